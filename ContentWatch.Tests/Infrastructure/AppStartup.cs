using ContentWatch.Core;
using ContentWatch.Web.Extensions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;

namespace ContentWatch.Tests.Infrastructure;

/// <summary>
/// Starts the app composed as <c>Program</c> composes it, on a test server, to see how its start fails.
/// WebApplicationFactory cannot be used for that: when the app's start fails fast, its deferred host may ask
/// the already-disposed provider for the application lifetime, and the test sees an ObjectDisposedException
/// instead of the failure (CI saw it in RedisOptionsTests under load).
/// </summary>
public static class AppStartup
{
    public static async Task<Exception?> FailureWithAsync(string key, string value)
    {
        var databaseFile = Path.Combine(Path.GetTempPath(), $"contentwatch-test-{Guid.NewGuid():N}.db");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Development",
            ApplicationName = typeof(Program).Assembly.GetName().Name,
        });
        builder.WebHost.UseTestServer();
        builder.AddSolutionRootSettings();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:ContentWatch"] = $"Data Source={databaseFile}",
            ["Database:Provider"] = "Sqlite",
            ["Logging:LogLevel:Default"] = "Warning",
            [key] = value,
        });
        builder.AddContentWatchCore();
        builder.AddContentWatchWeb();
        await using var app = builder.Build();
        try
        {
            await app.StartAsync();
            await app.StopAsync();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
        finally
        {
            File.Delete(databaseFile);
        }
    }
}
