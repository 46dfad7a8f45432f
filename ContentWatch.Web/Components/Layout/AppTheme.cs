using MudBlazor;

namespace ContentWatch.Web.Components.Layout;

/// <summary>ContentWatch's palette, light and dark, with contrast checked for text on both.</summary>
public static class AppTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#5B3FD6",
            Secondary = "#E0467C",
            AppbarBackground = "#2A1F5C",
            Background = "#F7F6FB",
            DrawerBackground = "#FFFFFF",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#A894FF",
            Secondary = "#FF7AA8",
            AppbarBackground = "#1B1733",
            Background = "#121018",
            Surface = "#1E1B29",
            DrawerBackground = "#1A1724",
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "8px" },
    };
}
