{{- define "knm.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "knm.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "knm.selectorLabels" -}}
app.kubernetes.io/name: {{ include "knm.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "knm.labels" -}}
{{ include "knm.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "knm.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "knm.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "knm.secretName" -}}
{{- default (include "knm.fullname" .) .Values.auth.existingSecret -}}
{{- end -}}

{{/* Combinations the schema cannot express, refused with a message that says what to change. */}}
{{- define "knm.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (ne .Values.database.type "postgresql") -}}
{{- fail "replicaCount > 1 needs database.type=postgresql: SQLite is a file on one volume" -}}
{{- end -}}
{{- if and (eq .Values.database.type "postgresql") (not .Values.auth.existingSecret) (not .Values.database.url) -}}
{{- fail "database.type=postgresql needs database.url, or auth.existingSecret with a database-url key" -}}
{{- end -}}
{{- end -}}
