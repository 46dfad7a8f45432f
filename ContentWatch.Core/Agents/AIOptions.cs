using System.ComponentModel.DataAnnotations;

namespace ContentWatch.Core.Agents;

public enum AIProvider { Simulated, OpenAI, AzureOpenAI }

/// <summary>The model behind the agents (<c>AI:*</c>).</summary>
public sealed class AIOptions
{
    public const string SectionName = "AI";

    public AIProvider Provider { get; set; } = AIProvider.Simulated;

    /// <summary>Base URL of an OpenAI-compatible server (OpenAI, Ollama, vLLM, LM Studio) or the Azure OpenAI resource.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>Model id (OpenAI-compatible) or deployment name (Azure).</summary>
    public string Model { get; set; } = "";

    public string ApiKey { get; set; } = "";

    /// <summary>A step whose model call runs longer fails with a timeout error (resumable).</summary>
    [Range(1, 3600)]
    public int StepTimeoutSeconds { get; set; } = 300;

    public SimulatedModelOptions Simulated { get; set; } = new();
}

public sealed class SimulatedModelOptions
{
    /// <summary>Pause between streamed chunks; 0 streams as fast as possible (tests, benchmarks).</summary>
    [Range(0, 10_000)]
    public int ChunkDelayMs { get; set; } = 40;
}
