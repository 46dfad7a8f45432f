using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;

namespace ContentWatch.Tests.Core.Pipelines;

/// <summary>The executor's limits (<c>Engine:*</c>) are checked when the app starts, not when the first run waits.</summary>
public sealed class EngineOptionsTests
{
    [Theory]
    [InlineData("Engine:MaxConcurrentRuns", "0", "The field MaxConcurrentRuns must be between 1 and 256.")]
    [InlineData("Engine:MaxConcurrentRunsPerOrganization", "0", "The field MaxConcurrentRunsPerOrganization must be between 1 and 1000.")]
    public void AnExecutorLimitOutOfRange_StopsTheAppAtStart(string key, string value, string error)
    {
        using var factory = new ContentWatchFactory();
        using var app = factory.WithWebHostBuilder(b => b.UseSetting(key, value));

        var exception = Assert.Throws<OptionsValidationException>(() => app.Services);

        Assert.Contains(error, exception.Message, StringComparison.Ordinal);
    }
}
