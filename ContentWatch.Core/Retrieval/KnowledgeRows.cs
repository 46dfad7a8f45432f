using System.Data.Common;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace ContentWatch.Core.Retrieval;

/// <summary>
/// The retriever's reads of <c>KnowledgeDocuments</c>, as plain ADO.NET commands on the context's connection.
/// </summary>
/// <remarks>
/// Retrieval runs a query every time it is called; through EF a two-row read costs ~1 ms of translation,
/// parameter and materialisation work, through ADO.NET ~0.02 ms, which decides whether a small knowledge
/// base answers within 1 ms. The freshness check reads every row's id and <c>UpdatedAt</c>; it compares the
/// stored value as it comes (SQLite hands back text) instead of parsing it, a third of that read's cost.
/// Table and column names and their quoting come from the EF model and the provider, so the SQL is right
/// for SQLite and SQL Server alike.
/// </remarks>
internal sealed class KnowledgeRows
{
    // SQL Server accepts 2,100 parameters per command; SQLite 32,766.
    private const int MaxIdsPerCommand = 1_000;

    private readonly string _from;
    private readonly string _id, _organizationId, _title, _content, _category, _updatedAt;
    private readonly string _versionQuery;

    private KnowledgeRows(ContentWatchDbContext db)
    {
        var sql = db.GetService<ISqlGenerationHelper>();
        var entity = db.Model.FindEntityType(typeof(KnowledgeDocument))
            ?? throw new InvalidOperationException("KnowledgeDocument is not in the model.");
        _from = sql.DelimitIdentifier(entity.GetTableName()!, entity.GetSchema());
        string Column(string property) => sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName());
        _id = Column(nameof(KnowledgeDocument.Id));
        _organizationId = Column(nameof(KnowledgeDocument.OrganizationId));
        _title = Column(nameof(KnowledgeDocument.Title));
        _content = Column(nameof(KnowledgeDocument.Content));
        _category = Column(nameof(KnowledgeDocument.Category));
        _updatedAt = Column(nameof(KnowledgeDocument.UpdatedAt));

        var organization = db.Model.FindEntityType(typeof(Organization))
            ?? throw new InvalidOperationException("Organization is not in the model.");
        string OrganizationColumn(string property) => sql.DelimitIdentifier(organization.FindProperty(property)!.GetColumnName());
        _versionQuery = $"SELECT {OrganizationColumn(nameof(Organization.KnowledgeVersion))} "
            + $"FROM {sql.DelimitIdentifier(organization.GetTableName()!, organization.GetSchema())} "
            + $"WHERE {OrganizationColumn(nameof(Organization.Id))} = @organization";
    }

    /// <summary>The SELECT of <see cref="ReadKnowledgeVersionAsync"/>: one primary-key read.</summary>
    internal string KnowledgeVersionCommandText => _versionQuery;

    public static KnowledgeRows For(ContentWatchDbContext db) => new(db);

    /// <summary>The organization's rows with their text, ascending by id, of one category and/or among some ids.</summary>
    public async IAsyncEnumerable<KnowledgeRow> ReadAsync(
        ContentWatchDbContext db, int organizationId, KnowledgeCategory? category, IReadOnlyList<int>? ids,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(db, cancellationToken);
        try
        {
            for (var start = 0; start == 0 || (ids is not null && start < ids.Count); start += MaxIdsPerCommand)
            {
                await using var command = Command(connection, organizationId, category, ids, start, withText: true);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    yield return new KnowledgeRow(
                        reader.GetInt32(0), reader.GetString(3), reader.GetString(4),
                        EnumNames<KnowledgeCategory>.Parse(reader.GetString(2)), Version(reader, 1));
                }
            }
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    /// <summary>
    /// The organization's <see cref="Organization.KnowledgeVersion"/>; 0 when there is no such organization
    /// (then it has no documents either).
    /// </summary>
    public async Task<long> ReadKnowledgeVersionAsync(ContentWatchDbContext db, int organizationId, CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(db, cancellationToken);
        try
        {
            await using var command = connection.CreateCommand();
            Add(command, "@organization", organizationId);
#pragma warning disable CA2100 // Only identifiers from the EF model are spliced in; the id is a parameter.
            command.CommandText = _versionQuery;
#pragma warning restore CA2100
            return await command.ExecuteScalarAsync(cancellationToken) is { } value and not DBNull
                ? Convert.ToInt64(value, CultureInfo.InvariantCulture)
                : 0;
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    /// <summary>Every (id, version) of the category: what the freshness check compares with the cache.</summary>
    public async Task<KnowledgeStamps> ReadStampsAsync(
        ContentWatchDbContext db, int organizationId, KnowledgeCategory category, CancellationToken cancellationToken = default)
    {
        var ids = new List<int>();
        var versions = new List<long>();
        var fingerprint = default(KnowledgeFingerprint);
        var connection = await OpenAsync(db, cancellationToken);
        try
        {
            await using var command = Command(connection, organizationId, category, ids: null, start: 0, withText: false);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetInt32(0);
                var version = Version(reader, 1);
                ids.Add(id);
                versions.Add(version);
                fingerprint = fingerprint.Add(id, version);
            }
        }
        finally
        {
            await connection.CloseAsync();
        }
        return new KnowledgeStamps([.. ids], [.. versions], fingerprint);
    }

    /// <summary>
    /// The SELECT the reads send: columns id, UpdatedAt, then with text category, title, content; parameters
    /// <c>@organization</c>, <c>@category</c> when <paramref name="byCategory"/>, <c>@id0</c>… for
    /// <paramref name="idCount"/> ids (none: no id filter; 0: no row).
    /// </summary>
    internal string CommandText(bool byCategory, int? idCount, bool withText)
    {
        var columns = withText ? $"{_id}, {_updatedAt}, {_category}, {_title}, {_content}" : $"{_id}, {_updatedAt}";
        var where = $"{_organizationId} = @organization";
        if (byCategory)
        {
            where += $" AND {_category} = @category";
        }
        if (idCount is { } count)
        {
            where += count == 0 ? " AND 1 = 0" : $" AND {_id} IN ({string.Join(", ", Enumerable.Range(0, count).Select(i => $"@id{i}"))})";
        }
        return $"SELECT {columns} FROM {_from} WHERE {where} ORDER BY {_id}";
    }

    /// <summary>
    /// <c>UpdatedAt</c> as a number that changes whenever the stored value does: the ticks where the provider
    /// hands back a date, a hash of the stored text where it hands back text (SQLite).
    /// </summary>
    private static long Version(DbDataReader reader, int ordinal) => reader.GetValue(ordinal) switch
    {
        DateTime time => time.Ticks,
        DateTimeOffset time => time.UtcTicks,
        string text => (long)XxHash3.HashToUInt64(MemoryMarshal.AsBytes(text.AsSpan())),
        var other => (long)XxHash3.HashToUInt64(MemoryMarshal.AsBytes(Convert.ToString(other, CultureInfo.InvariantCulture).AsSpan())),
    };

    private static async Task<DbConnection> OpenAsync(ContentWatchDbContext db, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        // Opened directly rather than through EF: plain SQL needs none of the per-connection set-up EF adds.
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private DbCommand Command(
        DbConnection connection, int organizationId, KnowledgeCategory? category, IReadOnlyList<int>? ids, int start, bool withText)
    {
        var command = connection.CreateCommand();
        Add(command, "@organization", organizationId);
        if (category is { } c)
        {
            Add(command, "@category", EnumNames<KnowledgeCategory>.Name(c));
        }
        int? idCount = null;
        if (ids is not null)
        {
            idCount = Math.Max(0, Math.Min(ids.Count, start + MaxIdsPerCommand) - start);
            for (var i = 0; i < idCount; i++)
            {
                Add(command, $"@id{i}", ids[start + i]);
            }
        }
#pragma warning disable CA2100 // Only identifiers from the EF model and parameter names are spliced in; every value is a parameter.
        command.CommandText = CommandText(category is not null, idCount, withText);
#pragma warning restore CA2100
        return command;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
