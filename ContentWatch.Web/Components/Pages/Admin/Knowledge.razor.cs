using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Retrieval;
using ContentWatch.Web.Components.Shared;
using ContentWatch.Web.Extensions;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace ContentWatch.Web.Components.Pages.Admin;

public sealed partial class Knowledge
{
    private IReadOnlyList<KnowledgeDocument>? _documents;
    private KnowledgeCategory? _category;
    private string? _search;
    private Draft? _editing;
    private int? _editingId;
    private FieldMessages _errors = FieldMessages.None;
    private bool _saving;
    private RetrievalPreview? _preview;

    [CascadingParameter]
    public OrganizationMembership Organization { get; set; } = default!;

    [Inject] private KnowledgeBase KnowledgeBase { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    /// <summary>Who acts: Core checks this user's current role at the moment of each write.</summary>
    private async Task<string> ActorAsync() => (await AuthenticationState).User.UserId();

    private IEnumerable<KnowledgeDocument> Visible => (_documents ?? [])
        .Where(d => _category is null || d.Category == _category)
        .Where(d => string.IsNullOrWhiteSpace(_search)
            || d.Title.Contains(_search, StringComparison.OrdinalIgnoreCase)
            || d.Content.Contains(_search, StringComparison.OrdinalIgnoreCase));

    /// <summary>A brand review's source link (issue 11): the guideline it cites, opened once in the editor.</summary>
    [SupplyParameterFromQuery(Name = "document")]
    public int? DocumentId { get; set; }

    private int? _opened;

    protected override async Task OnParametersSetAsync()
    {
        await LoadAsync();
        if (DocumentId is { } id && id != _opened && _documents!.FirstOrDefault(d => d.Id == id) is { } linked)
        {
            _opened = id;
            Edit(linked);
        }
    }

    private async Task LoadAsync() => _documents = await KnowledgeBase.ListAsync(Organization.Id);

    private void New()
    {
        _editingId = null;
        _editing = new Draft { Category = EnumNames<KnowledgeCategory>.Name(KnowledgeCategory.BrandVoice) };
        _errors = FieldMessages.None;
    }

    private void Edit(KnowledgeDocument document)
    {
        _editingId = document.Id;
        _editing = new Draft { Title = document.Title, Content = document.Content, Category = EnumNames<KnowledgeCategory>.Name(document.Category) };
        _errors = FieldMessages.None;
    }

    private async Task SaveAsync()
    {
        _saving = true;
        try
        {
            var input = new KnowledgeInput(_editing!.Title, _editing.Content, _editing.Category);
            var result = _editingId is { } id
                ? await KnowledgeBase.UpdateAsync(Organization.Id, id, await ActorAsync(), input)
                : await KnowledgeBase.CreateAsync(Organization.Id, await ActorAsync(), input);
            if (!result.Succeeded)
            {
                _errors = new(result.Errors);
                Snackbar.Add(result.Detail ?? "Not saved.", Severity.Warning);
                return;
            }
            _editingId = result.Value!.Id;
            _errors = FieldMessages.None;
            Snackbar.Add($"Saved “{result.Value.Title}”.", Severity.Success);
            await LoadAsync();
            if (_preview is not null)
            {
                await _preview.RefreshAsync();
            }
        }
        finally
        {
            _saving = false;
        }
    }

    private async Task DeleteAsync()
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Delete document?",
            $"“{_editing!.Title}” will no longer guide the agents. This cannot be undone.", yesText: "Delete", cancelText: "Keep it");
        if (confirmed != true)
        {
            return;
        }
        var result = await KnowledgeBase.DeleteAsync(Organization.Id, _editingId!.Value, await ActorAsync());
        Snackbar.Add(result.Succeeded ? "Deleted." : result.Detail ?? "Not deleted.", result.Succeeded ? Severity.Success : Severity.Warning);
        _editing = null;
        _editingId = null;
        await LoadAsync();
        if (_preview is not null)
        {
            await _preview.RefreshAsync();
        }
    }

    private sealed class Draft
    {
        public string Title { get; set; } = "";
        public string Content { get; set; } = "";
        public string Category { get; set; } = "";
    }
}
