{{- define "pgstream-operator.name" -}}pgstream-operator{{- end -}}

{{- define "pgstream-operator.labels" -}}
app.kubernetes.io/name: pgstream-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- define "pgstream-operator.selector" -}}
app.kubernetes.io/name: pgstream-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The operator's image: repository:tag, with @digest appended when image.digest pins it. */}}
{{- define "pgstream-operator.image" -}}
{{- $ref := printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- with .Values.image.digest -}}
{{- if not (regexMatch "^sha256:[a-f0-9]{64}$" .) -}}
{{- fail "image.digest must be sha256: and 64 lower-case hex digits (crane digest / skopeo inspect print it)" -}}
{{- end -}}
{{- $ref = printf "%s@%s" $ref . -}}
{{- end -}}
{{- $ref -}}
{{- end -}}

{{- define "pgstream-operator.serviceAccount" -}}
{{- default .Release.Name .Values.serviceAccount.name -}}
{{- end -}}

{{/* The rules the operator needs, checked against the API calls it makes by RbacTest. */}}
{{- define "pgstream-operator.rules" -}}
- apiGroups: ["pgstream.io"]
  resources: ["pgstreampipelines"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["pgstream.io"]
  resources: ["pgstreampipelines/status"]
  verbs: ["patch"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch", "create", "update"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "create", "update"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list", "watch"]
# With spec.target.strictMode false, pgstream's dropped writes are only in its log.
- apiGroups: [""]
  resources: ["pods/log"]
  verbs: ["get"]
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "delete"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
{{- end -}}
