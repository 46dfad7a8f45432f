// ContentWatch: the few things the browser has to do itself.
window.contentWatch = {
    // Builds the file in the browser, so a run's markdown crosses the circuit once, when asked for.
    download(fileName, text) {
        const url = URL.createObjectURL(new Blob([text], { type: "text/markdown;charset=utf-8" }));
        const link = document.createElement("a");
        link.href = url;
        link.download = fileName;
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 1000);
    },
    async copy(text) {
        await navigator.clipboard.writeText(text);
    },
    // The layout calls this once its circuit is live: tests (and styles) can tell a prerendered page from a live one.
    markInteractive() {
        document.documentElement.dataset.interactive = "true";
    },
    theme() {
        const stored = localStorage.getItem("cw-theme");
        return stored ?? (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
    },
    setTheme(theme) {
        localStorage.setItem("cw-theme", theme);
    },
};
