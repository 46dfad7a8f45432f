using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Tests.Core.Pipelines;

internal static class EngineTestHelpers
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static string RunsUrl(int orgId) => $"/api/organizations/{orgId}/ai/runs";

    /// <summary>Signs in over the API of any hosted app (in-process factory or child process).</summary>
    public static async Task<HttpClient> SignedInAsync(HttpClient client, string email = DemoDataSeeder.AlphaCreatorEmail)
    {
        var login = await client.PostAsJsonAsync("/api/auth/login", new { email, password = ContentWatchFactory.DemoPassword }, Ct);
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("accessToken").GetString();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static async Task<HttpClient> CreatorClientAsync(WebApplicationFactory<Program> app) =>
        await SignedInAsync(app.CreateClient());

    /// <summary>Creates runs of the Standard Video Workflow through the API.</summary>
    public static async Task<List<int>> CreateRunsAsync(HttpClient client, int orgId, int templateId, int count, string topic = "home espresso for students")
    {
        var ids = new List<int>();
        for (var i = 0; i < count; i++)
        {
            var response = await client.PostAsJsonAsync(RunsUrl(orgId), new
            {
                templateId,
                inputs = new Dictionary<string, string> { ["topic"] = $"{topic} #{i}", ["audience"] = "beginners", ["format"] = "short video" },
            }, Ct);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetInt32());
        }
        return ids;
    }

    public static async Task<int> StandardWorkflowIdAsync(ContentWatchFactory factory)
    {
        var orgId = await factory.AlphaIdAsync();
        await using var db = factory.CreateDbContext();
        return await db.Templates.Where(t => t.OrganizationId == orgId && t.Name == "Standard Video Workflow").Select(t => t.Id).SingleAsync(Ct);
    }

    /// <summary>
    /// The Standard Video Workflow without its brand gate, for tests of something else on a real-model stub that answers
    /// every call with the same text: the gate would ask the reviewer a second time, for JSON (StructuredReviewTests).
    /// </summary>
    public static async Task<int> UngatedStandardWorkflowIdAsync(ContentWatchFactory factory)
    {
        var templateId = await StandardWorkflowIdAsync(factory);
        await using var db = factory.CreateDbContext();
        await Ungate(db, templateId);
        return templateId;
    }

    /// <summary>Clears the brand gate options of a template's steps.</summary>
    public static Task<int> Ungate(ContentWatch.Core.Persistence.ContentWatchDbContext db, int templateId) =>
        db.Steps.Where(s => s.TemplateId == templateId).ExecuteUpdateAsync(u => u
            .SetProperty(s => s.MinScore, (int?)null)
            .SetProperty(s => s.OnBelow, (ContentWatch.Core.Domain.BelowMinScore?)null)
            .SetProperty(s => s.MaxRevisions, (int?)null), Ct);
}
