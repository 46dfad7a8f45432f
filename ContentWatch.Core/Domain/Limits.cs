namespace ContentWatch.Core.Domain;

/// <summary>Validation limits of API.md; the database columns use the same numbers.</summary>
public static class Limits
{
    public const int AgentName = 100;
    public const int SystemPrompt = 20_000;
    public const double TemperatureMin = 0;
    public const double TemperatureMax = 2;
    public const int KnowledgeTitle = 255;
    public const int KnowledgeContent = 200_000;
    public const int TemplateName = 150;
    public const int TemplateDescription = 2_000;
    public const decimal TemplateMaxRunCostUsd = 100_000m;
    public const int StepName = 150;
    public const int MaxSteps = 20;
    public const int PromptTemplate = 20_000;
    public const int MaxInputs = 20;
    public const int InputKey = 100;
    public const int Topic = 500;
    public const int InputsTotal = 10_000;
    public const int Guidance = 4_000;
    public const int Feedback = 4_000;
    public const int EditedOutput = 200_000;
    public const int MaxVariants = 4;
    public const int MaxRevisions = 3;
    public const int ModelName = 100;
    public const int ModelEndpoint = 2_000;
    public const int ModelId = 200;
    public const int ModelApiKey = 1_000;
    public const int ModelMaxConcurrency = 64;
    public const decimal ModelPriceMax = 1_000_000m;
    public const int RequestBodyBytes = 1_000_000;
}
