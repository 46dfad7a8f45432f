using System.Net;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Tests.Core.Editorial;
using ContentWatch.Tests.Web.Endpoints;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Tests.E2E;

/// <summary>The app under test answering from a <see cref="RecordingModel"/>: what each step's prompt held, and how many calls.</summary>
public sealed class RecordingModelBrowserHost : BrowserHost
{
    internal RecordingModel Model { get; private set; } = null!;

    protected override async ValueTask<IReadOnlyDictionary<string, string>> SettingsAsync()
    {
        Model = await RecordingModel.StartAsync();
        return new Dictionary<string, string>
        {
            ["AI:Provider"] = "OpenAI", ["AI:Endpoint"] = Model.Url, ["AI:Model"] = "test-model", ["AI:Retry:MaxRetries"] = "0",
        };
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Model.DisposeAsync();
    }
}

/// <summary>Runs brought to the editorial loop's states through the API, for the browser tests to act on.</summary>
internal static class EditorialPaths
{
    public static readonly string[] StepNames = ["Script", "Brand check", "Thumbnail", "SEO"];
    private static readonly string[] StepTypes = ["script_generation", "brand_voice_check", "thumbnail_concept", "seo_optimization"];

    /// <summary>A new active four-step template (script, brand check, thumbnail, SEO), gated at <paramref name="gates"/>.</summary>
    public static async Task<int> TemplateAsync(BrowserHost host, HttpClient admin, params int[] gates)
    {
        var orgId = await host.Factory.AlphaIdAsync();
        var agentId = await ApiBuilders.FirstAgentIdAsync(host.Factory, orgId);
        return await ApiBuilders.CreateIdAsync(admin, ApiBuilders.Templates(orgId), new
        {
            name = ApiBuilders.Unique("Editorial"),
            description = "",
            isActive = true,
            steps = StepNames.Select((name, i) => new
            {
                name, stepType = StepTypes[i], order = i + 1, agentId, promptTemplate = "Work on {topic}.", requiresApproval = gates.Contains(i + 1),
            }),
        });
    }

    /// <summary>Creates and triggers a run of <paramref name="templateId"/> on a unique topic; returns its id and topic.</summary>
    public static async Task<(int RunId, string Topic)> StartAsync(BrowserHost host, HttpClient client, int templateId)
    {
        var orgId = await host.Factory.AlphaIdAsync();
        var topic = $"topic-{Guid.NewGuid():N}";
        var runId = await ApiBuilders.CreateIdAsync(client, ApiBuilders.Runs(orgId),
            ApiBuilders.RunBody(templateId, new Dictionary<string, object?> { ["topic"] = topic }));
        var triggered = await client.PostAsync($"{ApiBuilders.Runs(orgId)}/{runId}/trigger", null, ApiBuilders.Ct);
        Assert.Equal(HttpStatusCode.Accepted, triggered.StatusCode);
        return (runId, topic);
    }

    public static Task<PipelineRun> WaitAsync(BrowserHost host, int runId, RunStatus status, int? attempt = null) =>
        host.Factory.WaitForRunAsync(runId, r => r.Status == status && (attempt is null || r.Attempt == attempt), TimeSpan.FromSeconds(60));

    /// <summary>A completed run whose step <paramref name="order"/> was regenerated with <paramref name="variants"/> variants: it waits for a pick.</summary>
    public static async Task<int> WaitingForAPickAsync(BrowserHost host, HttpClient client, int order, int variants)
    {
        var (runId, _) = await StartAsync(host, client, await TemplateAsync(host, client));
        var done = await WaitAsync(host, runId, RunStatus.Completed);
        var step = await StepAsync(host, runId, order);
        var orgId = await host.Factory.AlphaIdAsync();
        var regenerated = await ApiBuilders.SendAsync(client, HttpMethod.Post, $"{ApiBuilders.Runs(orgId)}/{runId}/steps/{step.Id}/regenerate", new { variants });
        Assert.Equal(HttpStatusCode.Accepted, regenerated.StatusCode);
        await WaitAsync(host, runId, RunStatus.AwaitingApproval, done.Attempt + 1);
        return runId;
    }

    /// <summary>The step run of the run's current attempt at <paramref name="order"/>.</summary>
    public static async Task<StepRun> StepAsync(BrowserHost host, int runId, int order)
    {
        await using var db = host.Factory.CreateDbContext();
        var attempt = await db.Runs.Where(r => r.Id == runId).Select(r => r.Attempt).SingleAsync(ApiBuilders.Ct);
        return await db.StepRuns.AsNoTracking().SingleAsync(s => s.RunId == runId && s.Attempt == attempt && s.StepOrder == order, ApiBuilders.Ct);
    }

    public static async Task<List<StepVersion>> VersionsAsync(BrowserHost host, int runId, int order)
    {
        await using var db = host.Factory.CreateDbContext();
        return await db.StepVersions.AsNoTracking().Where(v => v.RunId == runId && v.StepOrder == order).OrderBy(v => v.Version).ToListAsync(ApiBuilders.Ct);
    }
}
