using ContentWatch.Core.Costs;
using ContentWatch.Core.Domain;
using Microsoft.Extensions.Logging;

namespace ContentWatch.Core.Pipelines;

/// <summary>An input the creator names, beside the three every template knows.</summary>
public sealed record ExtraInput(string Name, string Value);

/// <summary>
/// What a creator fills in to launch a run: a template, the three inputs every template knows and any more by
/// name, in the order the form lists them. Values are trimmed; an empty value is not sent.
/// </summary>
public sealed record LaunchInput(
    int? TemplateId, string? Topic, string? Audience = null, string? Format = null, IReadOnlyList<ExtraInput>? Extras = null);

/// <summary>A launched run; <see cref="NotStarted"/> says why it exists but is not running.</summary>
public sealed record LaunchedRun(PipelineRun Run, string? NotStarted = null);

/// <summary>
/// The launcher's one operation: validate, create, trigger. Errors are keyed by the launcher's fields
/// (<see cref="TemplateField"/>, <c>topic</c>, <c>audience</c>, <c>format</c>, <see cref="ExtraNameField"/>,
/// <see cref="ExtraValueField"/>), with the API's rules and limits (<see cref="PipelineRuns.ValidateInputs"/>,
/// <see cref="Limits"/>). The REST API keeps creating and triggering apart (<c>POST runs</c>, then
/// <c>POST runs/{id}/trigger</c>); both end in the same <see cref="PipelineRuns"/> and <see cref="RunTrigger"/>.
/// </summary>
public sealed class RunLauncher(PipelineRuns runs, RunTrigger trigger, Spending spending, ILogger<RunLauncher> logger)
{
    public const string TemplateField = "templateId";

    /// <summary>The inputs the launcher has a field of its own for.</summary>
    public static IReadOnlyList<string> StandardInputs { get; } = ["topic", "audience", "format"];

    /// <summary>Inputs besides the standard ones, within the API's <see cref="Limits.MaxInputs"/> in all.</summary>
    public static int MaxExtras => Limits.MaxInputs - StandardInputs.Count;

    public static string ExtraNameField(int index) => $"extras[{index}].name";

    public static string ExtraValueField(int index) => $"extras[{index}].value";

    /// <summary>
    /// Creates the run and triggers it. Invalid input creates nothing. A run that was created but could not be
    /// triggered is still returned, with the reason in <see cref="LaunchedRun.NotStarted"/>: it exists, and its
    /// page can start it.
    /// </summary>
    public async Task<Result<LaunchedRun>> LaunchAsync(
        int organizationId, string userId, LaunchInput input, CancellationToken cancellationToken = default)
    {
        var errors = new FieldErrors();
        var inputs = Collect(input, errors);
        if (errors.Any)
        {
            return errors.ToResult<LaunchedRun>();
        }

        // Refused before anything is created: the launcher has said so since the page opened.
        if (await spending.MonthBudgetReachedAsync(organizationId, cancellationToken) is { } spent)
        {
            return Result<LaunchedRun>.Conflict(spent);
        }

        // CreateAsync checks the inputs again with the API's keys; after Collect only the template can fail.
        var created = await runs.CreateAsync(organizationId, userId, new RunInput(input.TemplateId, inputs), cancellationToken);
        if (!created.Succeeded)
        {
            return created.As<LaunchedRun>();
        }
        var run = created.Value!;

        try
        {
            var triggered = await trigger.TriggerAsync(organizationId, run.Id, userId, cancellationToken);
            return Result<LaunchedRun>.Ok(triggered.Succeeded
                ? new LaunchedRun(triggered.Value!)
                : new LaunchedRun(run, $"Run {run.Id} was created but not started: {triggered.Detail}"));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // RunTrigger has put the run back to idle; the creator is better served by the run than by an error page.
            logger.LogError(ex, "Run {RunId} was created but could not be triggered", run.Id);
            return Result<LaunchedRun>.Ok(new LaunchedRun(run, $"Run {run.Id} was created but could not be started; start it from its page."));
        }
    }

    /// <summary>The inputs as they are sent, with a message next to each field at fault.</summary>
    private static Dictionary<string, string> Collect(LaunchInput input, FieldErrors errors)
    {
        var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
        var topic = input.Topic?.Trim() ?? "";
        PipelineRuns.CheckTopic(topic, errors, "topic");
        inputs["topic"] = topic;
        Add(inputs, "audience", input.Audience);
        Add(inputs, "format", input.Format);

        var extras = input.Extras ?? [];
        if (extras.Count > MaxExtras)
        {
            errors.Add("extras", $"At most {MaxExtras} more inputs are allowed (there are {extras.Count}).");
        }
        // Names are compared ignoring case: "Tone" and "tone" would read as one input in a prompt.
        var seen = new HashSet<string>(StandardInputs, StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < extras.Count; i++)
        {
            var name = extras[i].Name.Trim();
            var value = extras[i].Value.Trim();
            if (name.Length == 0 && value.Length > 0)
            {
                errors.Add(ExtraNameField(i), "Name the input.");
            }
            else if (name.Length > Limits.InputKey)
            {
                errors.Add(ExtraNameField(i), $"At most {Limits.InputKey} characters.");
            }
            else if (name.Length > 0 && !seen.Add(name))
            {
                errors.Add(ExtraNameField(i), StandardInputs.Contains(name, StringComparer.OrdinalIgnoreCase)
                    ? $"{name} has its own field above."
                    : $"{name} is given twice.");
            }
            else if (name.Length > 0)
            {
                Add(inputs, name, value);
            }
        }

        // The rule is on all values together; its message goes next to the last one filled in, the likeliest culprit.
        var lastFilled = Enumerable.Range(0, extras.Count).LastOrDefault(i => extras[i].Value.Trim().Length > 0, -1);
        PipelineRuns.CheckTotal(inputs.Values, errors,
            lastFilled >= 0 ? ExtraValueField(lastFilled) : inputs.ContainsKey("audience") ? "audience" : "topic");
        return inputs;
    }

    private static void Add(Dictionary<string, string> inputs, string name, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            inputs[name] = value.Trim();
        }
    }
}
