using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Pipelines;
using ContentWatch.Web.Endpoints;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace ContentWatch.Web.Components.Pages.Runs;

public sealed partial class NewRun
{
    private static readonly string[] Formats = ["short video", "long video", "thread", "blog post", "newsletter", "podcast episode"];

    private readonly LaunchInput _input = new();
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
            _input.TemplateId = (_templates.FirstOrDefault(t => t.Name == "Standard Video Workflow") ?? _templates[0]).Id;
        }
    }

    /// <summary>Creates and triggers the run, then opens its live view. A second click while this runs is ignored.</summary>
    private async Task LaunchAsync()
    {
        if (_launching)
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
