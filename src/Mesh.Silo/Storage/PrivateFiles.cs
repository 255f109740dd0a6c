namespace Mesh.Silo.Storage;

/// <summary>
/// Keeps Mesh's data private to the account the silo runs as: the data folder 0700, the SQLite files 0600. The files
/// hold grain state, approval arguments and the audit trail (the write-ahead log too, until a checkpoint), so nobody
/// else on the machine may read them. SQLite creates a database's <c>-wal</c>, <c>-shm</c> and <c>-journal</c> files
/// with the database file's own mode, so creating that file 0600 before SQLite opens it keeps all of them private.
/// Folders and files that an older version created readable by others are tightened. Unix only: on Windows the
/// folder inherits the ACL of its parent.
/// </summary>
internal static partial class PrivateFiles
{
    /// <summary>Owner read, write and search: the data folder.</summary>
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Owner read and write: every file in it.</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode Others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    // The files SQLite keeps next to a database.
    private static readonly string[] SqliteCompanions = ["-wal", "-shm", "-journal"];

    /// <summary>
    /// Creates <paramref name="path"/> as a private folder, or tightens it when others may read it. A shared folder
    /// with the sticky bit (such as /tmp) is left as it is: it is not Mesh's to change, and Mesh's files in it are
    /// private anyway. Returns what was tightened, for the caller to log.
    /// </summary>
    public static IReadOnlyList<DataPermissionChange> EnsureFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return [];
        }

        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, FolderMode);
            return [];
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & Others) == 0 || (mode & UnixFileMode.StickyBit) != 0)
        {
            return [];
        }

        return [Tighten(path, mode & ~Others)];
    }

    /// <summary>
    /// Makes the SQLite database at <paramref name="databasePath"/> private before SQLite opens it: creates it empty
    /// with mode 0600 when it does not exist (SQLite takes an empty file for a new database), and tightens it and its
    /// companion files when others may read them. Returns what was tightened, for the caller to log.
    /// </summary>
    public static IReadOnlyList<DataPermissionChange> EnsureDatabase(string databasePath)
    {
        if (OperatingSystem.IsWindows() || databasePath.Length == 0 || databasePath == ":memory:")
        {
            return [];
        }

        if (!File.Exists(databasePath))
        {
            try
            {
                using var created = new FileStream(databasePath, new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FileMode });
            }
            catch (IOException) when (File.Exists(databasePath))
            {
                // Another store of the same file (grain state and reminders share one) created it first.
            }
        }

        var tightened = new List<DataPermissionChange>();
        foreach (var file in SqliteCompanions.Select(suffix => databasePath + suffix).Prepend(databasePath))
        {
            if (File.Exists(file) && (File.GetUnixFileMode(file) & Others) != 0)
            {
                tightened.Add(Tighten(file, FileMode));
            }
        }

        return tightened;
    }

    /// <summary>Logs each change once, at start.</summary>
    public static void Log(ILogger logger, IEnumerable<DataPermissionChange> changes)
    {
        foreach (var change in changes)
        {
            if (change.Failure is null)
            {
                LogWarningTightened(logger, change.Path);
            }
            else
            {
                LogWarningCannotTighten(logger, change.Path, change.Failure);
            }
        }
    }

    // A folder the silo does not own (a volume mounted by root, for example) cannot be changed: that is reported, and
    // the start goes on, since the owner chose who may read it.
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static DataPermissionChange Tighten(string path, UnixFileMode mode)
    {
        try
        {
            File.SetUnixFileMode(path, mode);
            return new DataPermissionChange(path, null);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return new DataPermissionChange(path, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Others could read {Path} (left that way by an older version of Mesh); it is now readable only by this account")]
    private static partial void LogWarningTightened(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Others can read {Path} and this account cannot change that ({Failure}); make it readable only by the account Mesh runs as")]
    private static partial void LogWarningCannotTighten(ILogger logger, string path, string failure);
}
