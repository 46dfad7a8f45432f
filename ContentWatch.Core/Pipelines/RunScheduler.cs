using Quartz;

namespace ContentWatch.Core.Pipelines;

/// <summary>Hands runs to Quartz: one one-off job per run, which <see cref="ExecutePipelineJob"/> executes.</summary>
public sealed class RunScheduler(ISchedulerFactory schedulerFactory)
{
    public const string RunIdKey = "runId";

    public async Task ScheduleAsync(int runId, int attempt, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulerFactory.GetScheduler(cancellationToken);
        var job = JobBuilder.Create<ExecutePipelineJob>()
            .WithIdentity($"run-{runId}", "runs")
            .UsingJobData(RunIdKey, runId)
            .Build();
        var trigger = TriggerBuilder.Create()
            .WithIdentity($"run-{runId}-attempt-{attempt}", "runs")
            .StartNow()
            .Build();
        // Replace: a finished run's job may still be stored while it winds down; the executor's
        // compare-and-set makes a duplicate execution harmless anyway.
        await scheduler.ScheduleJob(job, trigger, new ScheduleJobOptions { Replace = true }, cancellationToken);
    }
}

/// <summary>The Quartz job: thin, it hands the run to the engine.</summary>
[DisallowConcurrentExecution]
public sealed class ExecutePipelineJob(PipelineExecutor executor) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var runId = context.MergedJobDataMap.GetInt(RunScheduler.RunIdKey);
        // The token ends when the scheduler shuts down: the executor then leaves the run to be resumed.
        await executor.ExecuteAsync(runId, cancellationToken);
    }
}
