using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Tests.Web.Endpoints;

/// <summary>Routes, valid request bodies and database probes for the API tests.</summary>
internal static class ApiBuilders
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static string Unique(string prefix) => $"{prefix} {Guid.NewGuid():N}";

    public static string Base(int orgId) => $"/api/organizations/{orgId}/ai";

    public static string Agents(int orgId) => $"{Base(orgId)}/agents";

    public static string Knowledge(int orgId) => $"{Base(orgId)}/knowledge";

    public static string Templates(int orgId) => $"{Base(orgId)}/templates";

    public static string Runs(int orgId) => $"{Base(orgId)}/runs";

    public static Dictionary<string, object?> AgentBody(string? name = null, string role = "writer") => new()
    {
        ["name"] = name ?? Unique("Agent"),
        ["role"] = role,
        ["systemPrompt"] = "You write short, friendly video scripts.",
        ["temperature"] = 0.5,
        ["isDefault"] = false,
    };

    public static Dictionary<string, object?> KnowledgeBody(string? title = null, string category = "brand_voice") => new()
    {
        ["title"] = title ?? Unique("Guideline"),
        ["content"] = "Write plainly; talk to one viewer at a time.",
        ["category"] = category,
    };

    public static Dictionary<string, object?> StepBody(int order, int agentId, string stepType = "script_generation") => new()
    {
        ["name"] = $"Step {order}",
        ["stepType"] = stepType,
        ["order"] = order,
        ["agentId"] = agentId,
        ["promptTemplate"] = "Write about {topic} for {audience}.",
    };

    public static Dictionary<string, object?> TemplateBody(int agentId, int stepCount = 1, bool isActive = true, string? name = null) => new()
    {
        ["name"] = name ?? Unique("Template"),
        ["description"] = "A template made by the API tests.",
        ["isActive"] = isActive,
        ["steps"] = Enumerable.Range(1, stepCount).Select(order => StepBody(order, agentId)).ToList(),
    };

    public static Dictionary<string, object?> RunBody(int templateId, Dictionary<string, object?>? inputs = null) => new()
    {
        ["templateId"] = templateId,
        ["inputs"] = inputs ?? new Dictionary<string, object?> { ["topic"] = "Home espresso for beginners", ["audience"] = "students" },
    };

    /// <summary>POSTs <paramref name="body"/> and asserts 201; returns the created resource.</summary>
    public static async Task<JsonElement> CreateAsync(HttpClient client, string url, object body)
    {
        var response = await client.PostAsJsonAsync(url, body, Ct);
        return await ApiAssertions.JsonAsync(response, HttpStatusCode.Created);
    }

    public static async Task<int> CreateIdAsync(HttpClient client, string url, object body) =>
        (await CreateAsync(client, url, body)).GetProperty("id").GetInt32();

    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string url, object? body = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        return await client.SendAsync(request, Ct);
    }

    public static async Task<HttpResponseMessage> SendRawAsync(HttpClient client, HttpMethod method, string url, string json)
    {
        using var request = new HttpRequestMessage(method, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        return await client.SendAsync(request, Ct);
    }

    /// <summary>A JSON object of exactly <paramref name="totalBytes"/> bytes (sent with that Content-Length).</summary>
    public static string JsonOfSize(int totalBytes, string head, string paddedField, string tail)
    {
        var start = $"{{{head}\"{paddedField}\":\"";
        var end = $"\"{tail}}}";
        return start + new string('x', totalBytes - Encoding.UTF8.GetByteCount(start + end)) + end;
    }

    public static async Task<int> FirstAgentIdAsync(ContentWatchFactory factory, int orgId)
    {
        await using var db = factory.CreateDbContext();
        return await db.Agents.Where(a => a.OrganizationId == orgId).OrderBy(a => a.Id).Select(a => a.Id).FirstAsync(Ct);
    }

    public static async Task<int> FirstKnowledgeIdAsync(ContentWatchFactory factory, int orgId)
    {
        await using var db = factory.CreateDbContext();
        return await db.KnowledgeDocuments.Where(k => k.OrganizationId == orgId).OrderBy(k => k.Id).Select(k => k.Id).FirstAsync(Ct);
    }

    public static async Task<int> FirstTemplateIdAsync(ContentWatchFactory factory, int orgId)
    {
        await using var db = factory.CreateDbContext();
        return await db.Templates.Where(t => t.OrganizationId == orgId && t.IsActive).OrderBy(t => t.Id).Select(t => t.Id).FirstAsync(Ct);
    }

    public static async Task SetRunStatusAsync(ContentWatchFactory factory, int runId, RunStatus status)
    {
        await using var db = factory.CreateDbContext();
        var run = await db.Runs.SingleAsync(r => r.Id == runId, Ct);
        run.Status = status;
        await db.SaveChangesAsync(Ct);
    }

    /// <summary>Sets a run's status and attempt, leased to another node so that this host's engine leaves the run alone.</summary>
    public static async Task SetRunStatusLeasedElsewhereAsync(ContentWatchFactory factory, int runId, RunStatus status, int attempt)
    {
        await using var db = factory.CreateDbContext();
        await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Status, status)
            .SetProperty(r => r.Attempt, attempt)
            .SetProperty(r => r.BaseAttempt, attempt)
            .SetProperty(r => r.UpdatedAt, DateTime.UtcNow)
            .SetProperty(r => r.LeaseOwner, "another-node")
            .SetProperty(r => r.LeaseExpiresAt, DateTime.UtcNow.AddHours(1)), Ct);
    }

    /// <summary>What the database holds, coarsely: row counts, the latest edits and the step ids.</summary>
    public static async Task<DbState> DbStateAsync(ContentWatchFactory factory)
    {
        await using var db = factory.CreateDbContext();
        var agents = await db.Agents.AsNoTracking().Select(a => a.UpdatedAt).ToListAsync(Ct);
        var knowledge = await db.KnowledgeDocuments.AsNoTracking().Select(k => k.UpdatedAt).ToListAsync(Ct);
        var templates = await db.Templates.AsNoTracking().Select(t => t.UpdatedAt).ToListAsync(Ct);
        var runs = await db.Runs.AsNoTracking().Select(r => r.UpdatedAt).ToListAsync(Ct);
        var stepIds = await db.Steps.AsNoTracking().OrderBy(s => s.Id).Select(s => s.Id).ToListAsync(Ct);
        return new DbState(
            agents.Count, knowledge.Count, templates.Count, stepIds.Count, runs.Count,
            await db.StepRuns.CountAsync(Ct), await db.Users.CountAsync(Ct),
            agents.DefaultIfEmpty().Max(), knowledge.DefaultIfEmpty().Max(), templates.DefaultIfEmpty().Max(), runs.DefaultIfEmpty().Max(),
            string.Join(',', stepIds));
    }
}

/// <summary>A coarse fingerprint of the database: equal before and after a refused request.</summary>
internal sealed record DbState(
    int Agents, int KnowledgeDocuments, int Templates, int Steps, int Runs, int StepRuns, int Users,
    DateTime AgentsUpdatedAt, DateTime KnowledgeUpdatedAt, DateTime TemplatesUpdatedAt, DateTime RunsUpdatedAt,
    string StepIds);
