using Microsoft.JSInterop;
using MudBlazor;

namespace ContentWatch.Web.Components.Pages.Runs.Components;

/// <summary>Copy and download of text, done by the browser (wwwroot/app.js), with feedback either way.</summary>
public sealed class BrowserFiles(IJSRuntime js, ISnackbar snackbar)
{
    public async Task CopyAsync(string markdown)
    {
        try
        {
            await js.InvokeVoidAsync("contentWatch.copy", markdown);
            snackbar.Add("Copied as markdown.", Severity.Success);
        }
        catch (JSException)
        {
            // Browsers only give the clipboard to secure pages (https or localhost) that have the focus.
            snackbar.Add("The browser refused the clipboard here; use Download instead.", Severity.Warning);
        }
    }

    public async Task DownloadAsync(string fileName, string markdown) =>
        await js.InvokeVoidAsync("contentWatch.download", fileName, markdown);
}
