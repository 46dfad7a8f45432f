using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ContentWatch.Tests.Web.Hosting;

/// <summary>Data-protection keys (they sign the auth cookie and tokens) are stored encrypted when a certificate is configured.</summary>
public sealed class DataProtectionKeyTests
{
    private const string Password = "test-only-password";

    private const string UnencryptedNotice = "Data-protection keys are stored in the database unencrypted";

    [Fact]
    public async Task WithACertificateConfigured_StoredKeysAreEncrypted_AndAnotherNodeWithItReadsThem()
    {
        var certificatePath = await WriteCertificateAsync();
        try
        {
            await using var database = new ContentWatchFactory();
            string protectedText;
            await using (var first = database.WithWebHostBuilder(b => b
                .UseEnvironment("Production")
                .UseSetting("DataProtection:CertificatePath", certificatePath)
                .UseSetting("DataProtection:CertificatePassword", Password)))
            {
                protectedText = first.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("hello");
            }

            // Read the table directly: the factory's own host (no certificate) is never started, so it adds no key.
            var keys = new List<string>();
            await using (var connection = new SqliteConnection(database.ConnectionString))
            {
                await connection.OpenAsync(TestContext.Current.CancellationToken);
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT Xml FROM DataProtectionKeys";
                await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
                while (await reader.ReadAsync(TestContext.Current.CancellationToken))
                {
                    keys.Add(reader.GetString(0));
                }
            }
            Assert.NotEmpty(keys);
            Assert.All(keys, xml =>
            {
                Assert.Contains("<EncryptedData", xml, StringComparison.Ordinal);
                Assert.DoesNotContain("<value>", xml, StringComparison.Ordinal);
            });

            await using var second = database.WithWebHostBuilder(b => b
                .UseEnvironment("Production")
                .UseSetting("DataProtection:CertificatePath", certificatePath)
                .UseSetting("DataProtection:CertificatePassword", Password));
            Assert.Equal("hello", second.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(protectedText));
        }
        finally
        {
            File.Delete(certificatePath);
        }
    }
    [Fact]
    public async Task WithoutACertificate_OutsideDevelopment_TheLogSaysOnceAtStart_ThatTheKeysAreStoredUnencrypted()
    {
        var logs = new CapturedLogs();
        await using var database = new ContentWatchFactory();
        await using var app = database.WithWebHostBuilder(b => b
            .UseEnvironment("Production")
            .ConfigureTestServices(s => s.AddSingleton<ILoggerProvider>(logs)));

        _ = app.Services;
        var atStart = logs.Matching(UnencryptedNotice);
        // Keys made and used afterwards (a protected payload, pages served) say nothing more.
        app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("hello");
        using var client = app.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            using var page = await client.GetAsync("/login", TestContext.Current.CancellationToken);
        }

        var notice = Assert.Single(atStart);
        Assert.Equal(LogLevel.Warning, notice.Level);
        Assert.Contains("DataProtection:CertificatePath", notice.Message, StringComparison.Ordinal);
        Assert.Single(logs.Matching(UnencryptedNotice));
    }

    [Fact]
    public async Task WithACertificate_OrInDevelopment_TheLogSaysNothingAboutUnencryptedKeys()
    {
        var certificatePath = await WriteCertificateAsync();
        try
        {
            var withCertificate = new CapturedLogs();
            await using (var database = new ContentWatchFactory())
            await using (var app = database.WithWebHostBuilder(b => b
                .UseEnvironment("Production")
                .UseSetting("DataProtection:CertificatePath", certificatePath)
                .UseSetting("DataProtection:CertificatePassword", Password)
                .ConfigureTestServices(s => s.AddSingleton<ILoggerProvider>(withCertificate))))
            {
                app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("hello");
            }

            var inDevelopment = new CapturedLogs();
            await using (var database = new ContentWatchFactory())
            await using (var app = database.WithWebHostBuilder(b => b
                .ConfigureTestServices(s => s.AddSingleton<ILoggerProvider>(inDevelopment))))
            {
                app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("hello");
            }

            // The same capture finds the line when it is written (the test above), so empty means none was.
            Assert.Empty(withCertificate.Matching(UnencryptedNotice));
            Assert.Empty(inDevelopment.Matching(UnencryptedNotice));
        }
        finally
        {
            File.Delete(certificatePath);
        }
    }

    private static async Task<string> WriteCertificateAsync()
    {
        var certificatePath = Path.Combine(Path.GetTempPath(), $"contentwatch-dp-{Guid.NewGuid():N}.pfx");
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=ContentWatch data protection (test)", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        await File.WriteAllBytesAsync(certificatePath, certificate.Export(X509ContentType.Pfx, Password), TestContext.Current.CancellationToken);
        return certificatePath;
    }

    private sealed record LogLine(string Category, LogLevel Level, string Message);

    private sealed class CapturedLogs : ILoggerProvider
    {
        private readonly ConcurrentQueue<LogLine> _lines = new();

        public IReadOnlyList<LogLine> Matching(string text) => [.. _lines.Where(l => l.Message.Contains(text, StringComparison.Ordinal))];

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<LogLine> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(new LogLine(category, logLevel, formatter(state, exception)));
        }
    }
}
