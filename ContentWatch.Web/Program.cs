using ContentWatch.Core;
using ContentWatch.Web.Components;
using ContentWatch.Web.Endpoints;
using ContentWatch.Web.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddSolutionRootSettings();
builder.AddContentWatchCore();
builder.AddContentWatchWeb();

var app = builder.Build();

app.UseContentWatchTransportSecurity();
app.UseContentWatchErrorPages();
app.UseApiRequestLimits();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.UseWebSockets();

app.MapStaticAssets();
app.MapContentWatchHealth();
app.MapAccountEndpoints();
app.MapOrganizationEndpoints();
app.MapRunSocket();
// The Content-Security-Policy (UseContentWatchTransportSecurity) says frame-ancestors itself, for every page.
app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null);

app.Run();

/// <summary>Entry point; public so that tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
