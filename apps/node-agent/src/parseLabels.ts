/** `--labels k=v,k2=v2`: node labels from the command line. */
export function parseLabels(text: string): { ok: true; labels: Record<string, string> } | { ok: false; message: string } {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return { ok: false, message: `label "${pair}" must look like key=value` };
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { ok: true, labels };
}
