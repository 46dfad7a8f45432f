using ContentWatch.Core.Events;
using ContentWatch.Core.Locking;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Quartz;

namespace ContentWatch.Core.Pipelines;

public static class EngineExtensions
{
    /// <summary>
    /// The pipeline engine: trigger, Quartz executor, events, locks, recovery. With <c>Redis:Configuration</c>
    /// set, locks are Redlock over the configured masters and events are relayed between nodes.
    /// </summary>
    public static IHostApplicationBuilder AddContentWatchEngine(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<EngineOptions>().BindConfiguration(EngineOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<GuidanceOptions>().BindConfiguration(GuidanceOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<EventStreamOptions>().BindConfiguration(EventStreamOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton<RunEventBus>();
        services.AddSingleton<RunWatcher>();
        services.AddSingleton<EventStreamSlots>();
        services.AddSingleton<RunCancellations>();
        services.AddSingleton<RunScheduler>();
        services.AddSingleton<RunTrigger>();
        services.AddSingleton<RunControl>();
        services.AddSingleton<Editorial.EditorialLoop>();
        services.AddSingleton<Editorial.StepVersions>();
        services.AddSingleton<Editorial.ApprovalInbox>();
        services.AddSingleton<PipelineExecutor>();
        services.AddSingleton<RunRecovery>();
        services.AddHostedService(sp => sp.GetRequiredService<RunRecovery>());

        if (RedisOptions.IsConfiguredIn(builder.Configuration))
        {
            services.AddSingleton<RedisConnections>();
            services.AddSingleton<IRunLock, RedLockRunLock>();
            services.AddSingleton<RedisRunEventTransport>();
            services.AddSingleton<IRunEventTransport>(sp => sp.GetRequiredService<RedisRunEventTransport>());
            services.AddHostedService(sp => sp.GetRequiredService<RedisRunEventTransport>());
            // The same pub/sub tells other nodes' open pages of membership changes (Organizations/MembershipChanges).
            services.AddHostedService<Organizations.RedisMembershipRelay>();
        }
        else
        {
            services.AddSingleton<IRunLock, InProcessRunLock>();
            services.AddSingleton<IRunEventTransport, InProcessRunEventTransport>();
        }

        // One-off jobs, in memory: the run row, not the job store, is the durable record (the queue), and
        // recovery dispatches what a stopped process never ran. RunScheduler hands out at most MaxConcurrentRuns
        // executions at once, so that many threads are enough; a waiting run holds none.
        var engine = builder.Configuration.GetSection(EngineOptions.SectionName).Get<EngineOptions>() ?? new EngineOptions();
        services.AddQuartz(q =>
        {
            q.UseInMemoryStore();
            q.UseDefaultThreadPool(pool => pool.MaxConcurrency = Math.Max(1, engine.MaxConcurrentRuns));
        });
        // Stopping waits for running jobs: ApplicationStopping has already told them to release their runs.
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return builder;
    }
}
