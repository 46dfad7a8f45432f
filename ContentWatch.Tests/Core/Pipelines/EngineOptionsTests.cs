using ContentWatch.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace ContentWatch.Tests.Core.Pipelines;

/// <summary>The executor's limits (<c>Engine:*</c>) are checked when the app starts, not when the first run waits.</summary>
public sealed class EngineOptionsTests
{
    [Theory]
    [InlineData("Engine:MaxConcurrentRuns", "0", "The field MaxConcurrentRuns must be between 1 and 256.")]
    [InlineData("Engine:MaxConcurrentRunsPerOrganization", "0", "The field MaxConcurrentRunsPerOrganization must be between 1 and 1000.")]
    public async Task AnExecutorLimitOutOfRange_StopsTheAppAtStart(string key, string value, string error)
    {
        var exception = Assert.IsType<OptionsValidationException>(await AppStartup.FailureWithAsync(key, value));

        Assert.Contains(error, exception.Message, StringComparison.Ordinal);
    }

    /// <summary>The same start with a value in range succeeds: the failures above come from the value alone.</summary>
    [Fact]
    public async Task ALimitInRange_StartsTheApp() =>
        Assert.Null(await AppStartup.FailureWithAsync("Engine:MaxConcurrentRuns", "1"));
}
