{{/* Names and labels. The pods carry app.kubernetes.io/name: llmd-<chart>, which other charts' NetworkPolicies select. */}}
{{- define "llmd.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "llmd.selectorLabels" -}}
app.kubernetes.io/name: llmd-{{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "llmd.labels" -}}
{{ include "llmd.selectorLabels" . }}
app.kubernetes.io/component: {{ .Chart.Name }}
app.kubernetes.io/part-of: llmd
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "llmd.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "llmd.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "llmd.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" .Values.image.registry) .Values.image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The ports the Service, probes and NetworkPolicy use are the service's own config keys. */}}
{{- define "llmd.grpcPort" -}}
{{- required "config.grpc.port is required" (dig "grpc" "port" nil .Values.config) -}}
{{- end -}}

{{- define "llmd.extProcEnabled" -}}
{{- if eq (toString (dig "extProc" "enabled" false .Values.config)) "true" }}true{{ end -}}
{{- end -}}

{{- define "llmd.extProcPort" -}}
{{- dig "extProc" "port" 9004 .Values.config -}}
{{- end -}}

{{- define "llmd.opsPort" -}}
{{- required "config.ops.port is required" (dig "ops" "port" nil .Values.config) -}}
{{- end -}}
