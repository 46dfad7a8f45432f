using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace ContentWatch.Web.Extensions;

/// <summary>
/// Limits failed logins per account and client, per client, and per account (docs/decisions/0012), for the login
/// page and <c>POST /api/auth/login</c> alike. Only failures count: a person who signs in often is never slowed
/// down. The limits are checked before the password is, and hold for unknown accounts exactly as for real ones.
/// </summary>
public sealed class LoginThrottle : IDisposable
{
    // An address of an e-mail is at most 320 characters: a longer "account" is cut, not kept whole in memory.
    private const int MaxAccountKey = 320;

    private readonly TimeSpan _window;
    private readonly PartitionedRateLimiter<string> _perAccountAndClient;
    private readonly PartitionedRateLimiter<string> _perClient;
    private readonly PartitionedRateLimiter<string> _perAccount;

    public LoginThrottle(IOptions<AuthOptions> options)
    {
        var auth = options.Value;
        _window = auth.LoginFailureWindow;
        _perAccountAndClient = Limiter(auth.LoginFailuresPerAccountAndClient, _window);
        _perClient = Limiter(auth.LoginFailuresPerClient, _window);
        _perAccount = Limiter(auth.LoginFailuresPerAccount, _window);
    }

    /// <summary>Null when a login may be tried now; otherwise how long the client should wait.</summary>
    public TimeSpan? RetryAfter(HttpContext context, string email)
    {
        TimeSpan? wait = null;
        foreach (var (limiter, key) in Partitions(context, email))
        {
            // Zero permits asks whether any is left without taking one.
            using var lease = limiter.AttemptAcquire(key, 0);
            if (!lease.IsAcquired)
            {
                var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : _window;
                wait = wait is { } longest && longest > retryAfter ? longest : retryAfter;
            }
        }
        return wait;
    }

    /// <summary>Counts one failed login against every limit it falls under.</summary>
    public void RecordFailure(HttpContext context, string email)
    {
        foreach (var (limiter, key) in Partitions(context, email))
        {
            limiter.AttemptAcquire(key).Dispose();
        }
    }

    /// <summary>What a refused login is told: the same whether the account exists or not.</summary>
    public static string RefusalMessage(TimeSpan retryAfter) =>
        $"Too many failed sign-ins from here or for this account. Try again in {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalMinutes))} minute(s).";

    public static string RetryAfterSeconds(TimeSpan retryAfter) =>
        Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private (PartitionedRateLimiter<string> Limiter, string Key)[] Partitions(HttpContext context, string email)
    {
        var client = ClientOf(context.Connection.RemoteIpAddress);
        var trimmed = (email ?? "").Trim();
        var account = (trimmed.Length > MaxAccountKey ? trimmed[..MaxAccountKey] : trimmed).ToUpperInvariant();
        return [(_perAccountAndClient, $"{account}\n{client}"), (_perClient, client), (_perAccount, account)];
    }

    /// <summary>
    /// The client's address (after forwarded headers), an IPv6 one by its /64: one host commonly holds a whole
    /// /64 and could otherwise take a fresh address per guess.
    /// </summary>
    private static string ClientOf(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new IPAddress(bytes) + "/64";
        }
        return address.ToString();
    }

    private static PartitionedRateLimiter<string> Limiter(int failures, TimeSpan window) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = failures,
            Window = window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    public void Dispose()
    {
        _perAccountAndClient.Dispose();
        _perClient.Dispose();
        _perAccount.Dispose();
    }
}
