using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ContentWatch.Tests.Infrastructure;

namespace ContentWatch.Tests.Web.Endpoints;

/// <summary>
/// Clients that fail loudly on any 5xx, and the response checks the API tests share (API.md: errors are
/// RFC 7807 problem details with a human-readable <c>detail</c>; validation errors list fields under <c>errors</c>).
/// </summary>
internal static class ApiAssertions
{
    public const string ProblemJson = "application/problem+json";

    /// <summary>No credentials. Redirects are not followed, so a redirect to a login page would show.</summary>
    public static HttpClient Anonymous(ContentWatchFactory factory) =>
        factory.CreateDefaultClient(new FailOnServerErrorHandler());

    /// <summary>A syntactically valid but meaningless bearer token.</summary>
    public static HttpClient GarbageToken(ContentWatchFactory factory) =>
        WithToken(factory, new AuthenticationHeaderValue("Bearer", "not-a-real-token." + Guid.NewGuid().ToString("N")));

    public static async Task<HttpClient> AdminAsync(ContentWatchFactory factory) => WithTokenOf(factory, await factory.AdminAsync());

    public static async Task<HttpClient> CreatorAsync(ContentWatchFactory factory) => WithTokenOf(factory, await factory.CreatorAsync());

    public static async Task<HttpClient> BetaAdminAsync(ContentWatchFactory factory) => WithTokenOf(factory, await factory.BetaAdminAsync());

    /// <summary>Fails the test when the API answered with a server error.</summary>
    public static async Task AssertNotServerErrorAsync(HttpResponseMessage response)
    {
        if ((int)response.StatusCode >= 500)
        {
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.Fail($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered "
                + $"{(int)response.StatusCode} {response.StatusCode}; bad input must never yield a 5xx. Body: {body}");
        }
    }

    /// <summary>Asserts the status code (showing the body when it differs) and returns the JSON body.</summary>
    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        await AssertNotServerErrorAsync(response);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected} {expected}, "
            + $"got {(int)response.StatusCode} {response.StatusCode}. Body: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static async Task AssertStatusAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        await AssertNotServerErrorAsync(response);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected} {expected}, "
            + $"got {(int)response.StatusCode} {response.StatusCode}. Body: {body}");
    }

    /// <summary>An RFC 7807 problem with the expected status, a title and a human-readable detail; never a redirect.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        await AssertStatusAsync(response, expected);
        Assert.Null(response.Headers.Location);
        Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.True(problem.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String
            && !string.IsNullOrWhiteSpace(detail.GetString()), $"The problem has no human-readable detail: {body}");
        return problem;
    }

    /// <summary>A 400 validation problem naming every one of <paramref name="fields"/> under <c>errors</c>.</summary>
    public static async Task<JsonElement> ValidationProblemAsync(HttpResponseMessage response, params string[] fields)
    {
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object,
            $"The problem lists no errors: {problem}");
        foreach (var field in fields)
        {
            Assert.True(errors.TryGetProperty(field, out var messages), $"'{field}' is not among the errors: {errors}");
            Assert.True(messages.ValueKind == JsonValueKind.Array && messages.GetArrayLength() > 0, $"'{field}' has no message: {errors}");
        }
        return problem;
    }

    /// <summary>An ISO-8601 UTC time (API.md: "Times are ISO-8601 UTC").</summary>
    public static DateTime AssertUtcTime(JsonElement element, string property)
    {
        var text = element.GetProperty(property).GetString();
        Assert.NotNull(text);
        Assert.True(text.EndsWith('Z'), $"'{property}' is not UTC: {text}");
        var value = element.GetProperty(property).GetDateTime();
        Assert.Equal(DateTimeKind.Utc, value.Kind);
        return value;
    }

    private static HttpClient WithTokenOf(ContentWatchFactory factory, HttpClient signedIn)
    {
        using (signedIn)
        {
            return WithToken(factory, signedIn.DefaultRequestHeaders.Authorization!);
        }
    }

    private static HttpClient WithToken(ContentWatchFactory factory, AuthenticationHeaderValue authorization)
    {
        var client = factory.CreateDefaultClient(new FailOnServerErrorHandler());
        client.DefaultRequestHeaders.Authorization = authorization;
        return client;
    }

    /// <summary>Every request of every API test goes through this: a 5xx fails the test on the spot.</summary>
    private sealed class FailOnServerErrorHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            await AssertNotServerErrorAsync(response);
            return response;
        }
    }
}
