using ContentWatch.Core.Agents;
using ContentWatch.Core.Costs;
using ContentWatch.Core.Idempotency;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Persistence;
using ContentWatch.Core.Persistence.Seeding;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ContentWatch.Core.Pipelines;
using ContentWatch.Core.Retrieval;

namespace ContentWatch.Core;

public static class CoreExtensions
{
    /// <summary>Domain, persistence and seeding: everything ContentWatch needs that is not the web front.</summary>
    public static IHostApplicationBuilder AddContentWatchCore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddContentWatchDatabase();

        builder.Services.AddOptions<SeedOptions>().BindConfiguration(SeedOptions.SectionName)
            .Validate(o => !o.DemoData || !string.IsNullOrWhiteSpace(o.DemoPassword), "Seed:DemoPassword is required when Seed:DemoData is true.")
            .ValidateOnStart();
        builder.Services.AddScoped<DemoDataSeeder>();

        builder.Services.AddSingleton<MembershipChanges>();
        builder.Services.AddSingleton<OrganizationAccess>();
        builder.Services.AddSingleton<AgentProfiles>();
        builder.Services.AddSingleton<KnowledgeBase>();
        builder.Services.AddSingleton<KnowledgeRetriever>();
        builder.Services.AddSingleton<PipelineTemplates>();
        builder.Services.AddSingleton<PipelineRuns>();
        builder.Services.AddSingleton<RunLauncher>();
        builder.Services.AddSingleton<Spending>();
        builder.Services.AddSingleton<UsageReport>();
        builder.Services.AddSingleton<OrganizationSettings>();
        builder.Services.AddSingleton<RunEstimate>();

        builder.AddContentWatchAgents();
        builder.AddContentWatchEngine();
        builder.AddContentWatchIdempotency();
        return builder;
    }
}
