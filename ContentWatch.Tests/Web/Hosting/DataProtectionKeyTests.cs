using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace ContentWatch.Tests.Web.Hosting;

/// <summary>Data-protection keys (they sign the auth cookie and tokens) are stored encrypted when a certificate is configured.</summary>
public sealed class DataProtectionKeyTests
{
    [Fact]
    public async Task WithACertificateConfigured_StoredKeysAreEncrypted_AndAnotherNodeWithItReadsThem()
    {
        var certificatePath = Path.Combine(Path.GetTempPath(), $"contentwatch-dp-{Guid.NewGuid():N}.pfx");
        const string Password = "test-only-password";
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=ContentWatch data protection (test)", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            await File.WriteAllBytesAsync(certificatePath, certificate.Export(X509ContentType.Pfx, Password), TestContext.Current.CancellationToken);
        }
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
}
