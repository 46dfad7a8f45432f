using System.Net.Http.Headers;
using System.Net.Http.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using ContentWatch.Core.Persistence.Seeding;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContentWatch.Tests.Infrastructure;

/// <summary>
/// The real app, hosted in-process on the embedded default: its own SQLite file, brought up by the real
/// migrations and seeded with the demo data, exactly as <c>dotnet run</c> does.
/// </summary>
public sealed class ContentWatchFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string DemoPassword = "ContentWatch!2026";

    private readonly string _databaseFile = Path.Combine(Path.GetTempPath(), $"contentwatch-test-{Guid.NewGuid():N}.db");
    private readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);

    public string ConnectionString => $"Data Source={_databaseFile}";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:ContentWatch", ConnectionString);
        builder.UseSetting("Database:Provider", "Sqlite");
        builder.UseSetting("Seed:DemoData", "true");
        builder.UseSetting("Seed:DemoPassword", DemoPassword);
        // Runs finish in milliseconds unless a test asks for a slow model.
        builder.UseSetting("AI:Simulated:ChunkDelayMs", "0");
        // One demo organization serves every test of a class, some of them leaving runs to a node they have
        // disposed (its lease holds for 30 s): the product's limit of 4 would queue the next test's run behind
        // them. FairnessTests set their own limits.
        builder.UseSetting("Engine:MaxConcurrentRunsPerOrganization", "1000");
        // Hundreds of hosts start in one test run: their information logs would bury the failures in CI's output.
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
    }

    public ValueTask InitializeAsync()
    {
        _ = Services; // starts the host: migrations and seeding run before the first request
        return ValueTask.CompletedTask;
    }

    /// <summary>An HTTP client signed in through <c>POST /api/auth/login</c> with a bearer token.</summary>
    public async Task<HttpClient> ClientForAsync(string email)
    {
        if (!_tokens.TryGetValue(email, out var token))
        {
            using var anonymous = CreateClient();
            var response = await anonymous.PostAsJsonAsync("/api/auth/login", new { email, password = DemoPassword });
            response.EnsureSuccessStatusCode();
            token = (await response.Content.ReadFromJsonAsync<LoginResponse>())!.AccessToken;
            _tokens[email] = token;
        }
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public Task<HttpClient> AdminAsync() => ClientForAsync(DemoDataSeeder.AlphaAdminEmail);
    public Task<HttpClient> CreatorAsync() => ClientForAsync(DemoDataSeeder.AlphaCreatorEmail);
    public Task<HttpClient> BetaAdminAsync() => ClientForAsync(DemoDataSeeder.BetaAdminEmail);

    public async Task<int> OrganizationIdAsync(string slug)
    {
        await using var db = CreateDbContext();
        return await db.Organizations.Where(o => o.Slug == slug).Select(o => o.Id).SingleAsync();
    }

    public Task<int> AlphaIdAsync() => OrganizationIdAsync(DemoDataSeeder.AlphaSlug);
    public Task<int> BetaIdAsync() => OrganizationIdAsync(DemoDataSeeder.BetaSlug);

    public async Task<string> UserIdAsync(string email)
    {
        await using var db = CreateDbContext();
        return await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
    }

    /// <summary>The seeded admin of Alpha: the acting user of Core writes that tests set up with.</summary>
    public Task<string> AlphaAdminIdAsync() => UserIdAsync(DemoDataSeeder.AlphaAdminEmail);

    /// <summary>A context on the app's database, for arranging and checking what the API did.</summary>
    public ContentWatchDbContext CreateDbContext() =>
        Services.GetRequiredService<IDbContextFactory<ContentWatchDbContext>>().CreateDbContext();

    /// <summary>Waits until the run satisfies <paramref name="done"/> (polling the database), or fails after the timeout.</summary>
    public async Task<PipelineRun> WaitForRunAsync(int runId, Func<PipelineRun, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            await using (var db = CreateDbContext())
            {
                var run = await db.Runs.AsNoTracking().Include(r => r.StepRuns).SingleAsync(r => r.Id == runId);
                if (done(run))
                {
                    return run;
                }
                if (DateTime.UtcNow > deadline)
                {
                    Assert.Fail($"Run {runId} is still {run.Status} (attempt {run.Attempt}) after waiting.");
                }
            }
            await Task.Delay(20);
        }
    }

    public Task<PipelineRun> WaitForRunToEndAsync(int runId, TimeSpan? timeout = null) =>
        WaitForRunAsync(runId, r => r.Status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled, timeout);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_databaseFile + suffix);
        }
    }

    private sealed record LoginResponse(string TokenType, string AccessToken, int ExpiresIn, string RefreshToken);
}
