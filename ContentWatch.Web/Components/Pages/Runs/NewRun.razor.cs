using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Pipelines;
using ContentWatch.Web.Extensions;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace ContentWatch.Web.Components.Pages.Runs;

public sealed partial class NewRun
{
    private static readonly string[] Formats = ["short video", "long video", "thread", "blog post", "newsletter", "podcast episode"];

    private static readonly string[] Standard = ["topic", "audience", "format"];

    /// <summary>Inputs besides the three standard ones, within the API's 20 in all.</summary>
    private const int MaxExtras = Limits.MaxInputs - 3;

    private readonly LaunchInput _input = new();
    private readonly List<ExtraInput> _extras = [];
    private IReadOnlyList<PipelineTemplate>? _templates;
    private string? _error;
    private bool _launching;

    [CascadingParameter]
    public OrganizationMembership Organization { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject]
    private PipelineTemplates Templates { get; set; } = default!;

    [Inject]
    private PipelineRuns Runs { get; set; } = default!;

    [Inject]
    private RunTrigger Trigger { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private PipelineTemplate? Selected => _templates?.FirstOrDefault(t => t.Id == _input.TemplateId);

    protected override async Task OnParametersSetAsync()
    {
        _templates = await Templates.ListAsync(Organization.Id, activeOnly: true);
        if (Selected is null && _templates.Count > 0)
        {
            SelectTemplate((_templates.FirstOrDefault(t => t.Name == "Standard Video Workflow") ?? _templates[0]).Id);
        }
    }

    /// <summary>Chooses a template, and offers a field for every other input its prompts ask for.</summary>
    private void SelectTemplate(int templateId)
    {
        _input.TemplateId = templateId;
        // Rows the creator left empty belong to the template chosen before; what they typed stays.
        _extras.RemoveAll(e => string.IsNullOrWhiteSpace(e.Value));
        foreach (var name in Selected is { } template ? PipelineTemplates.InputsUsedBy(template) : [])
        {
            if (!Standard.Contains(name, StringComparer.OrdinalIgnoreCase) && !_extras.Any(e => e.Name.Trim() == name) && _extras.Count < MaxExtras)
            {
                _extras.Add(new ExtraInput { Name = name });
            }
        }
    }

    /// <summary>Checks the extra inputs, with a message next to the field at fault; true when they can be sent.</summary>
    private bool ValidateExtras()
    {
        var seen = new HashSet<string>(Standard, StringComparer.OrdinalIgnoreCase);
        foreach (var extra in _extras)
        {
            var name = extra.Name.Trim();
            var empty = string.IsNullOrWhiteSpace(extra.Value);
            extra.NameError = name.Length == 0 && !empty ? "Name the input."
                : name.Length > Limits.InputKey ? $"At most {Limits.InputKey} characters."
                : name.Length > 0 && !seen.Add(name) ? (Standard.Contains(name, StringComparer.OrdinalIgnoreCase) ? $"{name} has its own field above." : $"{name} is given twice.")
                : null;
            extra.ValueError = null;
        }
        var total = _input.Topic.Length + (_input.Audience?.Length ?? 0) + (_input.Format?.Length ?? 0) + _extras.Sum(e => e.Value.Length);
        if (total > Limits.InputsTotal && _extras.LastOrDefault(e => e.Value.Length > 0) is { } longest)
        {
            longest.ValueError = $"All inputs together must be at most {Limits.InputsTotal:N0} characters (they have {total:N0}).";
        }
        return _extras.All(e => e.NameError is null && e.ValueError is null);
    }

    /// <summary>Creates and triggers the run, then opens its live view. A second click while this runs is ignored.</summary>
    private async Task LaunchAsync()
    {
        if (_launching || !ValidateExtras())
        {
            return;
        }
        _launching = true;
        _error = null;
        try
        {
            var user = (await AuthenticationState).User;
            var inputs = new Dictionary<string, string> { ["topic"] = _input.Topic.Trim() };
            if (!string.IsNullOrWhiteSpace(_input.Audience))
            {
                inputs["audience"] = _input.Audience.Trim();
            }
            if (!string.IsNullOrWhiteSpace(_input.Format))
            {
                inputs["format"] = _input.Format;
            }
            foreach (var extra in _extras.Where(e => !string.IsNullOrWhiteSpace(e.Value)))
            {
                inputs[extra.Name.Trim()] = extra.Value.Trim();
            }
            var created = await Runs.CreateAsync(Organization.Id, user.UserId(), new RunInput(_input.TemplateId, inputs));
            if (!created.Succeeded)
            {
                _error = created.Errors.Values.SelectMany(v => v).FirstOrDefault() ?? created.Detail;
                return;
            }
            var triggered = await Trigger.TriggerAsync(Organization.Id, created.Value!.Id);
            if (!triggered.Succeeded)
            {
                _error = triggered.Detail;
            }
            Navigation.NavigateTo($"runs/{created.Value.Id}");
        }
        finally
        {
            _launching = false;
        }
    }

    private sealed class ExtraInput
    {
        public string Name { get; set; } = "";
        public string Value { get; set; } = "";
        public string? NameError { get; set; }
        public string? ValueError { get; set; }
    }

    private sealed class LaunchInput
    {
        [Range(1, int.MaxValue, ErrorMessage = "Choose a pipeline.")]
        public int TemplateId { get; set; }

        [Required(ErrorMessage = "Topic is required.")]
        [StringLength(Limits.Topic, ErrorMessage = "Topic must be at most 500 characters.")]
        public string Topic { get; set; } = "";

        [StringLength(1000, ErrorMessage = "Audience must be at most 1,000 characters.")]
        public string? Audience { get; set; }

        public string? Format { get; set; } = "short video";
    }
}
