using System.Globalization;
using System.Security.Claims;
using ContentWatch.Core;
using ContentWatch.Core.Costs;
using ContentWatch.Core.Domain;
using ContentWatch.Web.Extensions;

namespace ContentWatch.Web.Endpoints;

public static class UsageEndpoints
{
    // ISO 8601 date-times, with or without seconds, fractions and an offset (none means UTC).
    private static readonly string[] DateTimeFormats =
    [
        "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
    ];

    public static RouteGroupBuilder MapUsageEndpoints(this RouteGroupBuilder organization)
    {
        organization.MapGet("/usage", GetUsage);
        return organization;
    }

    /// <summary>
    /// The cost ledger added up (issue 10). <paramref name="from"/> and <paramref name="to"/> are ISO dates or date-times
    /// (UTC unless they carry an offset); a date-only <paramref name="to"/> includes that whole day. By default the window
    /// is this month (UTC) so far, grouped by day.
    /// </summary>
    public static async Task<IResult> GetUsage(
        int orgId, string? from, string? to, string? groupBy, ClaimsPrincipal user, UsageReport usage, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var errors = new FieldErrors();
        var start = Spending.MonthStart(now);
        if (from is not null)
        {
            if (ParseInstant(from, dateMeansEndOfDay: false) is { } parsed)
            {
                start = parsed;
            }
            else
            {
                errors.Add("from", "From must be an ISO date (2026-12-01) or date-time (2026-12-01T08:00:00Z).");
            }
        }
        var end = now;
        if (to is not null)
        {
            if (ParseInstant(to, dateMeansEndOfDay: true) is { } parsed)
            {
                end = parsed;
            }
            else
            {
                errors.Add("to", "To must be an ISO date (2026-12-31, that whole day included) or date-time (2026-12-31T18:00:00Z).");
            }
        }
        var grouping = UsageGrouping.Day;
        if (groupBy is not null && !EnumNames<UsageGrouping>.TryParse(groupBy, out grouping))
        {
            errors.Add("groupBy", $"Group by must be one of {string.Join(", ", EnumNames<UsageGrouping>.All)}.");
        }
        if (errors.Any)
        {
            return ApiResults.Problem(errors.ToResult<bool>());
        }
        var result = await usage.QueryAsync(orgId, user.UserId(), start, end, grouping, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(result.Value) : ApiResults.Problem(result);
    }

    /// <summary>
    /// The UTC instant <paramref name="value"/> names; a date alone is its midnight, or the next day's midnight when it ends
    /// a period (so that the period includes it). Null when it is neither an ISO date nor date-time.
    /// </summary>
    public static DateTime? ParseInstant(string value, bool dateMeansEndOfDay)
    {
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return (dateMeansEndOfDay ? date.AddDays(1) : date).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        }
        return DateTimeOffset.TryParseExact(value, DateTimeFormats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out var instant)
            ? instant.UtcDateTime
            : null;
    }
}
