using ContentWatch.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ContentWatch.Core.Persistence.Configurations;

internal sealed class PipelineRunConfiguration : IEntityTypeConfiguration<PipelineRun>
{
    public void Configure(EntityTypeBuilder<PipelineRun> builder)
    {
        builder.Property(r => r.Inputs).HasConversion(JsonColumn.StringMap, JsonColumn.StringMapComparer);
        builder.Property(r => r.Error).HasMaxLength(4000);
        builder.Property(r => r.LeaseOwner).HasMaxLength(200);
        builder.HasIndex(r => new { r.OrganizationId, r.CreatedAt });
        builder.HasIndex(r => r.Status);
        // Runs are history: neither deleting the organization nor the template may silently take them
        // (and SQL Server refuses a second cascade path to StepRuns through the template's steps).
        builder.HasOne<Organization>().WithMany().HasForeignKey(r => r.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(r => r.Template).WithMany().HasForeignKey(r => r.TemplateId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(r => r.TriggeredBy).WithMany().HasForeignKey(r => r.TriggeredById).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(r => r.StepRuns).WithOne(s => s.Run).HasForeignKey(s => s.RunId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(r => r.Guidance).WithOne(g => g.Run).HasForeignKey(g => g.RunId).OnDelete(DeleteBehavior.Cascade);
        builder.Ignore(r => r.IsActive);
    }
}

internal sealed class StepRunConfiguration : IEntityTypeConfiguration<StepRun>
{
    public void Configure(EntityTypeBuilder<StepRun> builder)
    {
        builder.Property(s => s.StepName).HasMaxLength(Limits.StepName);
        builder.Property(s => s.AgentName).HasMaxLength(Limits.AgentName);
        builder.Property(s => s.AgentThoughts).HasConversion(JsonColumn.StringList, JsonColumn.StringListComparer);
        builder.Property(s => s.Error).HasMaxLength(4000);
        builder.Property(s => s.ModelName).HasMaxLength(Limits.ModelId);
        builder.Property(s => s.CostUsd).HasPrecision(18, 8);
        // The usage report and the month's spend read step runs by the time of their call.
        builder.HasIndex(s => s.StartedAt);
        // One row per step per attempt: a second executor of the same attempt cannot insert a duplicate.
        builder.HasIndex(s => new { s.RunId, s.Attempt, s.StepOrder }).IsUnique();
        builder.HasOne(s => s.Step).WithMany().HasForeignKey(s => s.StepId).OnDelete(DeleteBehavior.SetNull);
        builder.Property(s => s.Feedback).HasMaxLength(Limits.Feedback);
        builder.Property(s => s.Variants).HasDefaultValue(1);
        builder.Property(s => s.RequestedById).HasMaxLength(450);
        builder.Property(s => s.Review).HasConversion(JsonColumn.Review, JsonColumn.ReviewComparer);
    }
}

internal sealed class StepVersionConfiguration : IEntityTypeConfiguration<StepVersion>
{
    public void Configure(EntityTypeBuilder<StepVersion> builder)
    {
        builder.Property(v => v.Feedback).HasMaxLength(Limits.Feedback);
        builder.Property(v => v.CreatedById).HasMaxLength(450);
        builder.HasIndex(v => new { v.RunId, v.StepOrder, v.Version }).IsUnique();
        // Goes with its run. No key to the step run: SQL Server refuses a second cascade path from the run, and a
        // version outlives nothing the run does not.
        builder.HasOne<PipelineRun>().WithMany().HasForeignKey(v => v.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RunGuidanceConfiguration : IEntityTypeConfiguration<RunGuidance>
{
    public void Configure(EntityTypeBuilder<RunGuidance> builder)
    {
        builder.Property(g => g.Text).HasMaxLength(Limits.Guidance);
        builder.HasIndex(g => new { g.RunId, g.ReceivedAt });
        builder.HasOne(g => g.User).WithMany().HasForeignKey(g => g.UserId).OnDelete(DeleteBehavior.Restrict);
    }
}
