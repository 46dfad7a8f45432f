using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ContentWatch.Core.Agents;

public enum AIProvider { Simulated, OpenAI, AzureOpenAI }

/// <summary>The model behind the agents (<c>AI:*</c>).</summary>
public sealed class AIOptions
{
    public const string SectionName = "AI";

    public AIProvider Provider { get; set; } = AIProvider.Simulated;

    /// <summary>
    /// Base URL of an OpenAI-compatible server (OpenAI, Ollama, vLLM, LM Studio), with or without the
    /// trailing <c>/v1</c>, or the <c>https://</c> URL of the Azure OpenAI resource.
    /// </summary>
    public string Endpoint { get; set; } = "";

    /// <summary>Model id (OpenAI-compatible) or deployment name (Azure).</summary>
    public string Model { get; set; } = "";

    /// <summary>May stay empty for local OpenAI-compatible servers; required for Azure OpenAI.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>What the configured model costs, in US dollars per million input tokens (0: not charged).</summary>
    [Range(typeof(decimal), "0", "1000000")]
    public decimal InputPricePerMillion { get; set; }

    /// <summary>What the configured model costs, in US dollars per million output tokens.</summary>
    [Range(typeof(decimal), "0", "1000000")]
    public decimal OutputPricePerMillion { get; set; }

    /// <summary>A step whose model call runs longer fails with a timeout error (resumable).</summary>
    [Range(1, 3600)]
    public int StepTimeoutSeconds { get; set; } = 300;

    [ValidateObjectMembers]
    public SimulatedModelOptions Simulated { get; set; } = new();

    [ValidateObjectMembers]
    public ModelRetryOptions Retry { get; set; } = new();
}

public sealed class SimulatedModelOptions
{
    /// <summary>Pause between streamed chunks; 0 streams as fast as possible (tests, benchmarks).</summary>
    [Range(0, 10_000)]
    public int ChunkDelayMs { get; set; } = 40;
}

/// <summary>
/// How calls to a real model endpoint are retried (<c>AI:Retry:*</c>): 429, 408, 5xx, connection
/// failures and attempt timeouts, with exponential backoff and jitter; a <c>Retry-After</c> header wins.
/// </summary>
public sealed class ModelRetryOptions
{
    /// <summary>Retries after the first attempt; 0 switches retrying off.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first backoff; each further retry doubles it (plus jitter).</summary>
    [Range(0, 60_000)]
    public int BaseDelayMs { get; set; } = 1_000;

    /// <summary>Upper bound of one backoff, including one asked for by <c>Retry-After</c>.</summary>
    [Range(0, 300_000)]
    public int MaxDelayMs { get; set; } = 30_000;

    /// <summary>
    /// How long one attempt may wait for the server to start answering (the response headers). It does not
    /// bound the streamed answer itself: a long stream is bounded by <see cref="AIOptions.StepTimeoutSeconds"/>.
    /// </summary>
    [Range(1, 3600)]
    public int AttemptTimeoutSeconds { get; set; } = 120;

    /// <summary>Attempts made before a transient failure is given up: the first one plus the retries.</summary>
    public int TotalAttempts => MaxRetries + 1;
}
