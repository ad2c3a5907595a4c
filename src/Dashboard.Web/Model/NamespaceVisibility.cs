namespace Dashboard.Web.Model;

/// <summary>
/// Which namespaces a page may show its person. The shared caches read with the dashboard's own
/// identity and hold every namespace, so a page shows a namespace only after the cluster said this
/// person may list deployments there; until then it is treated as hidden, never as visible.
/// </summary>
public sealed class NamespaceVisibility(IDashboardClient client)
{
    readonly HashSet<string> _visible = new(StringComparer.Ordinal);
    readonly HashSet<string> _hidden = new(StringComparer.Ordinal);
    bool _checking;

    /// <summary>Whether the person may see <paramref name="ns"/>: false for one not checked yet.</summary>
    public bool Allows(string ns) => _visible.Contains(ns);

    public bool Checked { get; private set; }

    /// <summary>True when some namespace among <paramref name="namespaces"/> has not been asked about yet.</summary>
    public bool HasUnchecked(IEnumerable<string> namespaces) => !Checked || namespaces.Any(ns => !_visible.Contains(ns) && !_hidden.Contains(ns));

    /// <summary>
    /// Asks the cluster about the namespaces not asked about yet (one check at a time per page).
    /// Returns whether anything changed. Call it on the page's renderer thread.
    /// </summary>
    public async Task<bool> CheckAsync(IEnumerable<string> namespaces, CancellationToken cancellationToken)
    {
        var unchecked_ = namespaces.Distinct(StringComparer.Ordinal).Where(ns => !_visible.Contains(ns) && !_hidden.Contains(ns)).ToList();
        if (_checking || (Checked && unchecked_.Count == 0)) return false;
        _checking = true;
        try
        {
            var visible = await client.VisibleNamespacesAsync(unchecked_, cancellationToken);
            foreach (var ns in unchecked_) (visible.Contains(ns) ? _visible : _hidden).Add(ns);
            Checked = true;
            return true;
        }
        finally
        {
            _checking = false;
        }
    }
}
