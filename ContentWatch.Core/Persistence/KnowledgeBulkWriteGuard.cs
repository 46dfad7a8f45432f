using System.Data.Common;
using ContentWatch.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace ContentWatch.Core.Persistence;

/// <summary>
/// Refuses <c>ExecuteUpdate</c> and <c>ExecuteDelete</c> on knowledge documents: they bypass SaveChanges, so
/// <see cref="KnowledgeVersioning"/> would not move the organization's knowledge version and warm retrievers on
/// every node would keep serving the old text. Load the documents and save them instead.
/// </summary>
internal sealed class KnowledgeBulkWriteGuard : DbCommandInterceptor
{
    public static KnowledgeBulkWriteGuard Instance { get; } = new();

    private KnowledgeBulkWriteGuard()
    {
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Check(command, eventData);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Check(command, eventData);
        return ValueTask.FromResult(result);
    }

    private static void Check(DbCommand command, CommandEventData eventData)
    {
        if (eventData.CommandSource is not (CommandSource.ExecuteUpdate or CommandSource.ExecuteDelete) || eventData.Context is not { } context)
        {
            return;
        }
        var entity = context.Model.FindEntityType(typeof(KnowledgeDocument));
        if (entity is null)
        {
            return;
        }
        var table = context.GetService<ISqlGenerationHelper>().DelimitIdentifier(entity.GetTableName()!, entity.GetSchema());
        if (command.CommandText.Contains(table, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                "Knowledge documents must be written through SaveChanges, which moves the organization's knowledge version "
                + "in the same transaction; ExecuteUpdate and ExecuteDelete would leave retrieval caches stale.");
        }
    }
}
