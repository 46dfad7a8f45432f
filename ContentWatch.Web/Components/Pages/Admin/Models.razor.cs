using System.Globalization;
using ContentWatch.Core;
using ContentWatch.Core.Agents;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using ContentWatch.Web.Components.Shared;
using ContentWatch.Web.Extensions;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace ContentWatch.Web.Components.Pages.Admin;

public sealed partial class Models
{
    private static readonly string[] FormFields =
        ["name", "provider", "endpoint", "model", "apiKey", "inputPricePerMillion", "outputPricePerMillion", "maxConcurrency"];

    private IReadOnlyList<ModelConnection>? _connections;
    private Draft? _editing;
    private int? _editingId;
    private FieldMessages _errors = FieldMessages.None;
    private string? _refusal;
    private bool _saving;
    private readonly HashSet<int> _testing = [];
    private readonly Dictionary<int, ConnectionTestResult> _testResults = [];

    [CascadingParameter]
    public OrganizationMembership Organization { get; set; } = default!;

    [Inject] private ModelConnections Connections { get; set; } = default!;
    [Inject] private ModelConnectionTester Tester { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    /// <summary>Who acts: Core checks this user's current role at the moment of each write and each test.</summary>
    private async Task<string> ActorAsync() => (await AuthenticationState).User.UserId();

    private string? KeyHelperText => _editing switch
    {
        { RemoveKey: true } => "The stored key will be removed when you save.",
        { HasStoredKey: true, StoredKeyLast4: { } last4 } => $"Stored key ends in {last4} — leave empty to keep it",
        { HasStoredKey: true } => "A key is stored — leave empty to keep it",
        _ => "Optional: local endpoints often need none. It is stored encrypted and never shown again.",
    };

    protected override async Task OnParametersSetAsync() => await LoadAsync();

    private async Task LoadAsync() => _connections = await Connections.ListAsync(Organization.Id);

    private static string ProviderLabel(string? name) =>
        EnumNames<ModelProvider>.TryParse(name, out var provider) ? EnumDisplay.Of(provider) : name ?? "";

    private static string Prices(ModelConnection m) => string.Create(CultureInfo.InvariantCulture,
        $"${m.InputPricePerMillion:0.00##} / ${m.OutputPricePerMillion:0.00##}");

    private static string KeyLabel(ModelConnection m) => m switch
    {
        { ProtectedApiKey: null } => "no key",
        { ApiKeyLast4: { } last4 } => $"key ••••{last4}",
        _ => "key stored",
    };

    private string TestResultText(int id) => _testing.Contains(id)
        ? "Testing…"
        : _testResults.TryGetValue(id, out var result)
            ? result.Ok ? string.Create(CultureInfo.InvariantCulture, $"OK · {result.LatencyMs} ms") : result.Error ?? "Failed."
            : "";

    private string TestResultClass(int id) => _testResults.TryGetValue(id, out var result) && !_testing.Contains(id)
        ? result.Ok ? "mud-success-text" : "mud-error-text"
        : "";

    private void New()
    {
        _editingId = null;
        _editing = new Draft { Provider = EnumNames<ModelProvider>.Name(ModelProvider.OpenAI) };
        (_errors, _refusal) = (FieldMessages.None, null);
    }

    private void Edit(ModelConnection connection)
    {
        _editingId = connection.Id;
        _editing = Draft.Of(connection);
        (_errors, _refusal) = (FieldMessages.None, null);
    }

    private void Close() => (_editing, _editingId, _errors, _refusal) = (null, null, FieldMessages.None, null);

    private async Task SaveAsync()
    {
        _saving = true;
        _refusal = null;
        try
        {
            var input = _editing!.ToInput();
            var result = _editingId is { } id
                ? await Connections.UpdateAsync(Organization.Id, id, await ActorAsync(), input)
                : await Connections.CreateAsync(Organization.Id, await ActorAsync(), input);
            if (!result.Succeeded)
            {
                // The only conflict a save meets is a name already taken: it belongs under the name.
                if (result.Status == ResultStatus.Conflict)
                {
                    _errors = new(new Dictionary<string, string[]> { ["name"] = [result.Detail ?? "That name is taken."] });
                }
                else
                {
                    _errors = new(result.Errors);
                    _refusal = result.Status == ResultStatus.Invalid ? null : result.Detail ?? "Not saved.";
                }
                Snackbar.Add(result.Detail ?? "Not saved.", Severity.Warning);
                return;
            }
            // The key has reached Core (which keeps only its ciphertext); the circuit keeps no copy of it.
            _editingId = result.Value!.Id;
            _editing = Draft.Of(result.Value);
            _errors = FieldMessages.None;
            _testResults.Remove(result.Value.Id);
            Snackbar.Add($"Saved {result.Value.Name}.", Severity.Success);
            await LoadAsync();
        }
        finally
        {
            _saving = false;
        }
    }

    private async Task DeleteAsync()
    {
        if (await Dialogs.ShowMessageBoxAsync("Delete connection?", $"{_editing!.Name} will be deleted. This cannot be undone.", yesText: "Delete", cancelText: "Keep") != true)
        {
            return;
        }
        var result = await Connections.DeleteAsync(Organization.Id, _editingId!.Value, await ActorAsync());
        if (!result.Succeeded)
        {
            // An agent that uses the connection keeps it (409): say which, beside the form.
            _refusal = result.Detail ?? "Not deleted.";
            return;
        }
        Snackbar.Add("Deleted.", Severity.Success);
        Close();
        await LoadAsync();
    }

    private async Task TestAsync(ModelConnection connection)
    {
        if (!_testing.Add(connection.Id))
        {
            return;
        }
        try
        {
            var result = await Tester.TestAsync(Organization.Id, connection.Id, await ActorAsync());
            _testResults[connection.Id] = result.Succeeded ? result.Value! : new ConnectionTestResult(false, 0, result.Detail ?? "Not tested.");
        }
        finally
        {
            _testing.Remove(connection.Id);
        }
    }

    private sealed class Draft
    {
        public string Name { get; set; } = "";
        public string Provider { get; set; } = "";
        public string Endpoint { get; set; } = "";
        public string Model { get; set; } = "";

        /// <summary>A new key only: write-only, never filled from the stored one.</summary>
        public string? ApiKey { get; set; }
        public bool RemoveKey { get; set; }
        public bool HasStoredKey { get; init; }
        public string? StoredKeyLast4 { get; init; }
        public decimal? InputPricePerMillion { get; set; }
        public decimal? OutputPricePerMillion { get; set; }
        public int? MaxConcurrency { get; set; }
        public bool IsDefault { get; set; }

        public static Draft Of(ModelConnection m) => new()
        {
            Name = m.Name, Provider = EnumNames<ModelProvider>.Name(m.Provider), Endpoint = m.Endpoint, Model = m.Model,
            HasStoredKey = m.ProtectedApiKey is not null, StoredKeyLast4 = m.ApiKeyLast4,
            InputPricePerMillion = m.InputPricePerMillion, OutputPricePerMillion = m.OutputPricePerMillion,
            MaxConcurrency = m.MaxConcurrency, IsDefault = m.IsDefault,
        };

        /// <summary>Core's key convention: null keeps the stored key, an empty string removes it.</summary>
        public ModelConnectionInput ToInput() => new(
            Name, Provider, Endpoint, Model,
            RemoveKey ? "" : string.IsNullOrWhiteSpace(ApiKey) ? null : ApiKey,
            InputPricePerMillion, OutputPricePerMillion, MaxConcurrency, IsDefault);
    }
}
