#!/usr/bin/env bash
# make chart-check: the chart's monitoring objects (ServiceMonitor, PodMonitor, PrometheusRule, Grafana dashboard
# ConfigMap) render once each when enabled and not at all by default, and the ConfigMap carries the dashboard file
# unchanged (ObservabilityTest parses that file and checks its metric names against what the operator exports).
set -euo pipefail
helm="$1"
cd "$(dirname "$0")/.."
chart=charts/pgstream-operator
kinds='^kind: (ServiceMonitor|PodMonitor|PrometheusRule)$|^  name: pgstream-operator-dashboard$'

off=$("$helm" template pgstream-operator "$chart" | grep -cE "$kinds" || true)
[ "$off" = 0 ] || { echo "observability objects render with the default values ($off found)" >&2; exit 1; }

on=$("$helm" template pgstream-operator "$chart" --set metrics.serviceMonitor.enabled=true --set metrics.podMonitor.enabled=true \
  --set metrics.prometheusRule.enabled=true --set metrics.grafanaDashboard.enabled=true | grep -E "$kinds" | sort | tr '\n' ' ')
expected='  name: pgstream-operator-dashboard kind: PodMonitor kind: PrometheusRule kind: ServiceMonitor '
[ "$on" = "$expected" ] || { echo "enabled, the chart rendered [$on], expected [$expected]" >&2; exit 1; }

"$helm" template pgstream-operator "$chart" --set metrics.grafanaDashboard.enabled=true --set metrics.grafanaDashboard.namespace=monitoring \
    --show-only templates/grafana-dashboard.yaml > "${TMPDIR:-/tmp}/pgstream-dashboard-cm.yaml"
grep -q '^  namespace: monitoring$' "${TMPDIR:-/tmp}/pgstream-dashboard-cm.yaml" || { echo "grafanaDashboard.namespace is not used" >&2; exit 1; }
grep -q '^    grafana_dashboard: "1"$' "${TMPDIR:-/tmp}/pgstream-dashboard-cm.yaml" || { echo "the dashboard ConfigMap lacks the sidecar's label" >&2; exit 1; }
sed -n '/^  pgstream-pipelines.json: |-$/,$p' "${TMPDIR:-/tmp}/pgstream-dashboard-cm.yaml" | tail -n +2 | sed 's/^    //' \
  | diff -u <(sed -e '$a\' "$chart/dashboards/pgstream-pipelines.json") - \
  || { echo "the dashboard ConfigMap does not carry $chart/dashboards/pgstream-pipelines.json unchanged" >&2; exit 1; }
rm -f "${TMPDIR:-/tmp}/pgstream-dashboard-cm.yaml"
echo "observability objects: none by default; ServiceMonitor, PodMonitor, PrometheusRule and the dashboard when enabled"
