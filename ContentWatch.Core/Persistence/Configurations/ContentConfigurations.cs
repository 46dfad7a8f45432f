using ContentWatch.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ContentWatch.Core.Persistence.Configurations;

internal sealed class AgentProfileConfiguration : IEntityTypeConfiguration<AgentProfile>
{
    public void Configure(EntityTypeBuilder<AgentProfile> builder)
    {
        builder.Property(a => a.Name).HasMaxLength(Limits.AgentName);
        builder.Property(a => a.SystemPrompt).HasMaxLength(Limits.SystemPrompt);
        builder.HasIndex(a => a.OrganizationId);
        builder.HasOne<Organization>().WithMany().HasForeignKey(a => a.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        // A connection an agent uses cannot be deleted (the API answers 409 first).
        builder.HasOne<ModelConnection>().WithMany().HasForeignKey(a => a.ModelId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class ModelConnectionConfiguration : IEntityTypeConfiguration<ModelConnection>
{
    public void Configure(EntityTypeBuilder<ModelConnection> builder)
    {
        builder.Property(m => m.Name).HasMaxLength(Limits.ModelName);
        builder.Property(m => m.Endpoint).HasMaxLength(Limits.ModelEndpoint);
        builder.Property(m => m.Model).HasMaxLength(Limits.ModelId);
        builder.Property(m => m.ApiKeyLast4).HasMaxLength(4);
        builder.Property(m => m.InputPricePerMillion).HasPrecision(18, 6);
        builder.Property(m => m.OutputPricePerMillion).HasPrecision(18, 6);
        builder.HasIndex(m => new { m.OrganizationId, m.Name }).IsUnique();
        builder.HasOne<Organization>().WithMany().HasForeignKey(m => m.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class KnowledgeDocumentConfiguration : IEntityTypeConfiguration<KnowledgeDocument>
{
    public void Configure(EntityTypeBuilder<KnowledgeDocument> builder)
    {
        builder.Property(k => k.Title).HasMaxLength(Limits.KnowledgeTitle);
        builder.Property(k => k.Content).HasMaxLength(Limits.KnowledgeContent);
        // Retrieval reads one organization's categories.
        builder.HasIndex(k => new { k.OrganizationId, k.Category });
        builder.HasOne<Organization>().WithMany().HasForeignKey(k => k.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PipelineTemplateConfiguration : IEntityTypeConfiguration<PipelineTemplate>
{
    public void Configure(EntityTypeBuilder<PipelineTemplate> builder)
    {
        builder.Property(t => t.Name).HasMaxLength(Limits.TemplateName);
        builder.Property(t => t.Description).HasMaxLength(Limits.TemplateDescription);
        builder.Property(t => t.MaxRunCostUsd).HasPrecision(18, 4);
        builder.HasIndex(t => t.OrganizationId);
        builder.HasOne<Organization>().WithMany().HasForeignKey(t => t.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(t => t.Steps).WithOne(s => s.Template).HasForeignKey(s => s.TemplateId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(t => t.Steps).AutoInclude(false);
    }
}

internal sealed class PipelineStepConfiguration : IEntityTypeConfiguration<PipelineStep>
{
    public void Configure(EntityTypeBuilder<PipelineStep> builder)
    {
        builder.Property(s => s.Name).HasMaxLength(Limits.StepName);
        builder.Property(s => s.PromptTemplate).HasMaxLength(Limits.PromptTemplate);
        builder.HasIndex(s => new { s.TemplateId, s.Order }).IsUnique();
        // An agent used by a step cannot be deleted (the API answers 409 before the database has to).
        builder.HasOne(s => s.Agent).WithMany().HasForeignKey(s => s.AgentId).OnDelete(DeleteBehavior.Restrict);
    }
}
