using System.Data.Common;
using System.Text;
using Mesh.Grains.Audit;

namespace Mesh.Silo.Storage;

/// <summary>
/// The SQL both audit stores share (SQLite and PostgreSQL have the same columns): the column list, the query's WHERE
/// clause with its parameters, and reading a row back. Parameters are always bound, never spliced into the text.
/// </summary>
internal static class AuditSql
{
    public const string Columns = "id, stream, seq, time_us, kind, tenant, agent_id, effect, reason, request_id, hash, body";

    public const string CheckpointColumns = "id, time_us, writer, key_id, public_key, body, signature";

    /// <summary>A SELECT for <paramref name="query"/> on <paramref name="command"/>, parameters added.</summary>
    public static string Select(AuditQuery query, DbCommand command)
    {
        var sql = new StringBuilder("SELECT ").Append(Columns).Append(" FROM audit_records WHERE id > @after");
        Add(command, "@after", query.AfterId);
        Filter(sql, command, "tenant", "@tenant", query.Tenant);
        Filter(sql, command, "agent_id", "@agent", query.AgentId);
        Filter(sql, command, "stream", "@stream", query.Stream);
        Filter(sql, command, "request_id", "@request", query.RequestId);
        Filter(sql, command, "effect", "@effect", query.Effect);
        Filter(sql, command, "reason", "@reason", query.Reason);
        if (query.From is { } from)
        {
            sql.Append(" AND time_us >= @from");
            Add(command, "@from", AuditText.UnixMicroseconds(from));
        }

        if (query.To is { } to)
        {
            sql.Append(" AND time_us < @to");
            Add(command, "@to", AuditText.UnixMicroseconds(to));
        }

        if (query.Kinds.Count > 0)
        {
            sql.Append(" AND kind IN (");
            for (var i = 0; i < query.Kinds.Count; i++)
            {
                sql.Append(i == 0 ? "@kind" : ", @kind").Append(i);
                Add(command, "@kind" + i, (int)query.Kinds[i]);
            }

            sql.Append(')');
        }

        sql.Append(query.NewestFirst ? " ORDER BY id DESC" : " ORDER BY id").Append(" LIMIT @limit");
        Add(command, "@limit", Math.Clamp(query.Limit, 1, AuditQuery.MaxLimit));
        return sql.ToString();
    }

    /// <summary>Reads a row selected with <see cref="Columns"/>.</summary>
    public static AuditRow ReadRow(DbDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetInt64(2),
        AuditText.FromUnixMicroseconds(reader.GetInt64(3)),
        (Contracts.Audit.AuditKind)reader.GetInt32(4),
        reader.GetString(5),
        reader.IsDBNull(6) ? null : reader.GetString(6),
        reader.IsDBNull(7) ? null : reader.GetString(7),
        reader.IsDBNull(8) ? null : reader.GetString(8),
        reader.IsDBNull(9) ? null : reader.GetString(9),
        (byte[])reader.GetValue(10),
        (byte[])reader.GetValue(11));

    /// <summary>Reads a checkpoint selected with <see cref="CheckpointColumns"/>.</summary>
    public static AuditCheckpoint ReadCheckpoint(DbDataReader reader) => new(
        reader.GetInt64(0),
        AuditText.FromUnixMicroseconds(reader.GetInt64(1)),
        reader.GetString(2),
        reader.GetString(3),
        (byte[])reader.GetValue(4),
        (byte[])reader.GetValue(5),
        (byte[])reader.GetValue(6));

    /// <summary>Adds a parameter.</summary>
    public static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    private static void Filter(StringBuilder sql, DbCommand command, string column, string parameter, string? value)
    {
        if (value is not null)
        {
            sql.Append(" AND ").Append(column).Append(" = ").Append(parameter);
            Add(command, parameter, value);
        }
    }
}
