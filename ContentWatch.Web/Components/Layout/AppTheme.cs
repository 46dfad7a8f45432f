using MudBlazor;

namespace ContentWatch.Web.Components.Layout;

/// <summary>ContentWatch's palette, light and dark, with contrast checked for text on both.</summary>
public static class AppTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            // Every colour that carries text or a filled button's label keeps a contrast of 4.5:1 or more (WCAG AA).
            Primary = "#5B3FD6",
            Secondary = "#C2185B",
            Success = "#2E7D32",
            Info = "#1565C0",
            Warning = "#A14B00",
            Error = "#C62828",
            TextSecondary = "#5F5A6E",
            AppbarBackground = "#2A1F5C",
            Background = "#F7F6FB",
            DrawerBackground = "#FFFFFF",
        },
        PaletteDark = new PaletteDark
        {
            // Light colours on a dark surface: their filled buttons and chips carry dark labels.
            Primary = "#A894FF",
            PrimaryContrastText = "#16122B",
            Secondary = "#FF7AA8",
            SecondaryContrastText = "#16122B",
            Success = "#66BB6A",
            SuccessContrastText = "#0B1F0C",
            Info = "#64B5F6",
            InfoContrastText = "#0A1929",
            Warning = "#FFB74D",
            WarningContrastText = "#2B1700",
            Error = "#EF9A9A",
            ErrorContrastText = "#2B0A0A",
            TextSecondary = "#B9B4C7",
            AppbarBackground = "#1B1733",
            Background = "#121018",
            Surface = "#1E1B29",
            DrawerBackground = "#1A1724",
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "8px" },
    };
}
