using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Pipelines;

/// <summary>An admin deactivates a template: its runs can no longer be triggered, nor resumed.</summary>
public sealed class DeactivatedTemplateTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task TriggerAndResume_OfARunWhoseTemplateWasDeactivated_Answer409_AndChangeNothing()
    {
        using var client = await CreatorClientAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var templateId = await StandardWorkflowIdAsync(factory);
        var runs = await CreateRunsAsync(client, orgId, templateId, 2);
        var (fresh, failed) = (runs[0], runs[1]);
        await using (var db = factory.CreateDbContext())
        {
            await db.Runs.Where(r => r.Id == failed).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RunStatus.Failed).SetProperty(r => r.Attempt, 1).SetProperty(r => r.BaseAttempt, 1), Ct);
            await db.Templates.Where(t => t.Id == templateId).ExecuteUpdateAsync(s => s.SetProperty(t => t.IsActive, false), Ct);
        }

        foreach (var (runId, status, attempt) in new[] { (fresh, RunStatus.Idle, 0), (failed, RunStatus.Failed, 1) })
        {
            var response = await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct);

            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.Contains("deactivated", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            await using var db = factory.CreateDbContext();
            var run = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId, Ct);
            Assert.Equal((status, attempt), (run.Status, run.Attempt));
        }
    }
}
