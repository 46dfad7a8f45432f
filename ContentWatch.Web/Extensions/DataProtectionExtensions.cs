using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography.X509Certificates;
using ContentWatch.Core.Persistence;
using Microsoft.AspNetCore.DataProtection;

namespace ContentWatch.Web.Extensions;

/// <summary>
/// Data-protection settings (<c>DataProtection:*</c>): the certificate that encrypts the stored keys (they sign
/// the auth cookie, the bearer tokens and the antiforgery tokens), from a PFX file or from the current user's
/// certificate store by thumbprint.
/// </summary>
public sealed class DataProtectionSettings
{
    public const string SectionName = "DataProtection";

    /// <summary>A PFX (PKCS#12) file with the certificate and its private key.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The password of <see cref="CertificatePath"/>, if it has one.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Or: the thumbprint of a certificate in the current user's "My" store.</summary>
    [RegularExpression("^[0-9A-Fa-f]{40}$", ErrorMessage = "DataProtection:CertificateThumbprint is 40 hexadecimal digits.")]
    public string? CertificateThumbprint { get; set; }
}

public static class DataProtectionExtensions
{
    /// <summary>
    /// Keys in the database, shared by every node; encrypted with the configured certificate. Without one they are
    /// stored as they are, which is fine on a developer's machine and said once in the log everywhere else.
    /// </summary>
    public static IHostApplicationBuilder AddContentWatchDataProtection(this IHostApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(DataProtectionSettings.SectionName).Get<DataProtectionSettings>() ?? new();
        builder.Services.AddOptions<DataProtectionSettings>().BindConfiguration(DataProtectionSettings.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var dataProtection = builder.Services.AddDataProtection()
            .SetApplicationName("ContentWatch")
            .PersistKeysToDbContext<ContentWatchDbContext>();

        if (!string.IsNullOrWhiteSpace(settings.CertificatePath))
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(settings.CertificatePath, settings.CertificatePassword,
                X509KeyStorageFlags.EphemeralKeySet);
            // Decrypting with the same certificate object: it need not be installed in a store.
            dataProtection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }
        else if (!string.IsNullOrWhiteSpace(settings.CertificateThumbprint))
        {
            dataProtection.ProtectKeysWithCertificate(settings.CertificateThumbprint);
        }
        else if (!builder.Environment.IsDevelopment())
        {
            builder.Services.AddHostedService<UnencryptedKeysWarning>();
        }
        return builder;
    }

    private sealed class UnencryptedKeysWarning(ILogger<UnencryptedKeysWarning> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            logger.LogWarning("Data-protection keys are stored in the database unencrypted: set DataProtection:CertificatePath " +
                "(and CertificatePassword) or DataProtection:CertificateThumbprint to encrypt them with a certificate.");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
