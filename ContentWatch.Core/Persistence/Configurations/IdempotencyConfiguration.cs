using ContentWatch.Core.Idempotency;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ContentWatch.Core.Persistence.Configurations;

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> builder)
    {
        builder.Property(r => r.Id).HasMaxLength(64);
        // Identity's user id column is 450 characters; no foreign key: a record outlives nothing by more than a day.
        builder.Property(r => r.UserId).HasMaxLength(450);
        builder.Property(r => r.Scope).HasMaxLength(IdempotencyStore.MaxScopeLength);
        builder.Property(r => r.Key).HasMaxLength(IdempotencyStore.MaxKeyLength);
        builder.Property(r => r.Fingerprint).HasMaxLength(64);
        builder.Property(r => r.ContentType).HasMaxLength(200);
        builder.Property(r => r.Location).HasMaxLength(2000);
        builder.HasIndex(r => r.ExpiresAt);
    }
}
