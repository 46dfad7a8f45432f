using ContentWatch.Core.Agents;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Pipelines;
using ContentWatch.Web.Components.Shared;
using ContentWatch.Web.Extensions;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace ContentWatch.Web.Components.Pages.Admin;

public sealed partial class Templates
{
    private IReadOnlyList<PipelineTemplate>? _templates;
    private IReadOnlyList<AgentProfile> _agents = [];
    private Draft? _editing;
    private int? _editingId;
    private FieldMessages _errors = FieldMessages.None;
    private bool _saving;

    [CascadingParameter] public OrganizationMembership Organization { get; set; } = default!;
    [Inject] private PipelineTemplates PipelineTemplates { get; set; } = default!;
    [Inject] private AgentProfiles AgentProfiles { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    /// <summary>Who acts: Core checks this user's current role at the moment of each write.</summary>
    private async Task<string> ActorAsync() => (await AuthenticationState).User.UserId();

    protected override async Task OnParametersSetAsync()
    {
        _templates = await PipelineTemplates.ListAsync(Organization.Id);
        _agents = await AgentProfiles.ListAsync(Organization.Id);
    }

    private void New()
    {
        (_editingId, _errors) = (null, FieldMessages.None);
        _editing = new Draft();
        AddStep();
    }

    private void Edit(PipelineTemplate template)
    {
        (_editingId, _errors) = (template.Id, FieldMessages.None);
        _editing = new Draft
        {
            Name = template.Name, Description = template.Description, IsActive = template.IsActive, MaxRunCostUsd = template.MaxRunCostUsd,
        };
        _editing.Steps.AddRange(template.Steps.OrderBy(s => s.Order).Select(s => new StepDraft
        {
            Name = s.Name, StepType = EnumNames<StepType>.Name(s.StepType), AgentId = s.AgentId, PromptTemplate = s.PromptTemplate,
            RequiresApproval = s.RequiresApproval, MinScore = s.MinScore, MaxRevisions = s.MaxRevisions,
            OnBelow = s.OnBelow is { } onBelow ? EnumNames<BelowMinScore>.Name(onBelow) : "continue",
        }));
    }

    private void AddStep() => _editing!.Steps.Add(new StepDraft
    {
        Name = $"Step {_editing.Steps.Count + 1}",
        AgentId = _agents.FirstOrDefault(a => a.IsDefault)?.Id ?? (_agents.Count > 0 ? _agents[0].Id : null),
        PromptTemplate = "Write about {topic} for {audience} as a {format}.",
    });

    // Errors are keyed by position (steps[2].name): once steps move, they would point at the wrong step.
    private void Move(int index, int by)
    {
        var steps = _editing!.Steps;
        (steps[index], steps[index + by]) = (steps[index + by], steps[index]);
        _errors = FieldMessages.None;
    }

    private void RemoveStep(int index)
    {
        _editing!.Steps.RemoveAt(index);
        _errors = FieldMessages.None;
    }

    private async Task SaveAsync()
    {
        _saving = true;
        try
        {
            // The order is the position in the editor: reordering is moving, not renumbering.
            var input = new TemplateInput(_editing!.Name, _editing.Description, _editing.IsActive,
                [.. _editing.Steps.Select((s, i) => s.IsBrandCheck
                    ? new StepInput(s.Name, s.StepType, i + 1, s.AgentId, s.PromptTemplate, s.RequiresApproval,
                        s.MinScore, s.MinScore is null && s.OnBelow == "continue" ? null : s.OnBelow, s.OnBelow == "revise" ? s.MaxRevisions : null)
                    : new StepInput(s.Name, s.StepType, i + 1, s.AgentId, s.PromptTemplate, s.RequiresApproval))],
                _editing.MaxRunCostUsd);
            var result = _editingId is { } id
                ? await PipelineTemplates.UpdateAsync(Organization.Id, id, await ActorAsync(), input)
                : await PipelineTemplates.CreateAsync(Organization.Id, await ActorAsync(), input);
            if (!result.Succeeded)
            {
                _errors = new(result.Errors);
                Snackbar.Add(result.Detail ?? "Not saved.", Severity.Warning);
                return;
            }
            (_editingId, _errors) = (result.Value!.Id, FieldMessages.None);
            Snackbar.Add($"Saved {result.Value.Name}.", Severity.Success);
            _templates = await PipelineTemplates.ListAsync(Organization.Id);
        }
        finally
        {
            _saving = false;
        }
    }

    private async Task DeleteAsync()
    {
        if (await Dialogs.ShowMessageBoxAsync("Delete template?", $"{_editing!.Name} will be deleted.", yesText: "Delete", cancelText: "Keep") != true)
        {
            return;
        }
        var result = await PipelineTemplates.DeleteAsync(Organization.Id, _editingId!.Value, await ActorAsync());
        Snackbar.Add(result.Succeeded ? "Deleted." : result.Detail ?? "Not deleted.", result.Succeeded ? Severity.Success : Severity.Warning);
        if (result.Succeeded)
        {
            (_editing, _editingId) = (null, null);
            _templates = await PipelineTemplates.ListAsync(Organization.Id);
        }
    }

    private sealed class Draft
    {
        public string Name { get; set; } = "";
        public string Description { get; set; } = "";
        public bool IsActive { get; set; } = true;
        public decimal? MaxRunCostUsd { get; set; }
        public List<StepDraft> Steps { get; } = [];
    }

    private sealed class StepDraft
    {
        public string Name { get; set; } = "";
        public string StepType { get; set; } = "script_generation";
        public int? AgentId { get; set; }
        public string PromptTemplate { get; set; } = "";
        public bool RequiresApproval { get; set; }

        // The brand gate's options; sent only while the step is a brand check (another type would be refused).
        public int? MinScore { get; set; }
        public string OnBelow { get; set; } = "continue";
        public int? MaxRevisions { get; set; }

        public bool IsBrandCheck => StepType == EnumNames<StepType>.Name(Core.Domain.StepType.BrandVoiceCheck);
    }
}
