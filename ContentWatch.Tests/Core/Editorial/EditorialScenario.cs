using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Tests.Core.Editorial;

/// <summary>
/// The app on the shared test database, its model a <see cref="RecordingModel"/>; builds four-step templates with
/// approval gates through the API and drives runs through it.
/// </summary>
internal sealed class EditorialScenario : IAsyncDisposable
{
    public static readonly string[] StepNames = ["Script", "Brand check", "Thumbnail", "SEO"];
    private static readonly string[] StepTypes = ["script_generation", "brand_voice_check", "thumbnail_concept", "seo_optimization"];

    private EditorialScenario(ContentWatchFactory factory, RecordingModel model, WebApplicationFactory<Program> app, int orgId)
        => (Factory, Model, App, OrgId) = (factory, model, app, orgId);

    public ContentWatchFactory Factory { get; }
    public RecordingModel Model { get; }
    public WebApplicationFactory<Program> App { get; }
    public int OrgId { get; }

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public string Runs => $"/api/organizations/{OrgId}/ai/runs";

    public static async Task<EditorialScenario> StartAsync(ContentWatchFactory factory)
    {
        var model = await RecordingModel.StartAsync();
        var app = factory.WithWebHostBuilder(b => b
            .UseSetting("AI:Provider", "OpenAI")
            .UseSetting("AI:Endpoint", model.Url)
            .UseSetting("AI:Model", "test-model")
            .UseSetting("AI:Retry:MaxRetries", "0"));
        _ = app.Services;
        return new EditorialScenario(factory, model, app, await factory.AlphaIdAsync());
    }

    public async Task<HttpClient> ClientAsync(string email) =>
        await Pipelines.EngineTestHelpers.SignedInAsync(App.CreateClient(), email);

    /// <summary>A new active four-step template (script, brand check, thumbnail, SEO), gated where <paramref name="gates"/> says.</summary>
    public async Task<int> TemplateAsync(params int[] gates)
    {
        using var admin = await ClientAsync(ContentWatch.Core.Persistence.Seeding.DemoDataSeeder.AlphaAdminEmail);
        var agents = await admin.GetFromJsonAsync<JsonElement>($"/api/organizations/{OrgId}/ai/agents", Ct);
        var agentId = agents.EnumerateArray().First().GetProperty("id").GetInt32();
        var response = await admin.PostAsJsonAsync($"/api/organizations/{OrgId}/ai/templates", new
        {
            name = $"Editorial {Guid.NewGuid():N}",
            description = "",
            isActive = true,
            steps = StepNames.Select((name, i) => new
            {
                name, stepType = StepTypes[i], order = i + 1, agentId, promptTemplate = "Work on {topic}.", requiresApproval = gates.Contains(i + 1),
            }),
        }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var template = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(gates.Length, template.GetProperty("steps").EnumerateArray().Count(s => s.GetProperty("requiresApproval").GetBoolean()));
        return template.GetProperty("id").GetInt32();
    }

    /// <summary>Creates and triggers a run on a unique topic; returns its id and the topic (to find its model calls).</summary>
    public async Task<(int RunId, string Topic)> StartRunAsync(HttpClient client, int templateId)
    {
        var topic = $"topic-{Guid.NewGuid():N}";
        var created = await client.PostAsJsonAsync(Runs, new { templateId, inputs = new Dictionary<string, string> { ["topic"] = topic } }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var runId = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetInt32();
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"{Runs}/{runId}/trigger", null, Ct)).StatusCode);
        return (runId, topic);
    }

    public Task<PipelineRun> WaitAsync(int runId, RunStatus status, int? attempt = null) =>
        Factory.WaitForRunAsync(runId, r => r.Status == status && (attempt is null || r.Attempt == attempt));

    /// <summary>The step run of the run's current attempt at <paramref name="order"/>.</summary>
    public async Task<StepRun> StepAsync(int runId, int order)
    {
        await using var db = Factory.CreateDbContext();
        var attempt = await db.Runs.Where(r => r.Id == runId).Select(r => r.Attempt).SingleAsync(Ct);
        return await db.StepRuns.AsNoTracking().SingleAsync(s => s.RunId == runId && s.Attempt == attempt && s.StepOrder == order, Ct);
    }

    public async Task<List<StepRun>> StepRunsAsync(int runId, int attempt)
    {
        await using var db = Factory.CreateDbContext();
        return await db.StepRuns.AsNoTracking().Where(s => s.RunId == runId && s.Attempt == attempt).OrderBy(s => s.StepOrder).ToListAsync(Ct);
    }

    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string url, object? body) =>
        body is null ? client.PostAsync(url, null, Ct) : client.PostAsJsonAsync(url, body, Ct);

    public string StepUrl(int runId, int stepRunId, string action) => $"{Runs}/{runId}/steps/{stepRunId}/{action}";

    public async Task<JsonElement> VersionsAsync(HttpClient client, int runId, int order)
    {
        var response = await client.GetAsync($"{Runs}/{runId}/steps/{order}/versions", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Model.DisposeAsync();
    }
}
