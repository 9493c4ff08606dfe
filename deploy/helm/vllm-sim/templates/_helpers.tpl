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

{{/* vLLM's config keys: the API port, and the port of the KV-events endpoint (tcp://*:5557) when on. */}}
{{- define "vllmSim.httpPort" -}}
{{- required "config.port is required" (get .Values.config "port") -}}
{{- end -}}

{{- define "vllmSim.kvEventsPort" -}}
{{- $kv := get .Values.config "kv-events-config" | default dict -}}
{{- if and $kv $kv.enable_kv_cache_events (ne (default "zmq" $kv.publisher) "null") -}}
{{- $endpoint := default "tcp://*:5557" $kv.endpoint -}}
{{- if hasPrefix "tcp://" $endpoint -}}
{{- regexFind "[0-9]+$" $endpoint -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The pods' labels beyond the chart's: what llmd's scheduler and cache-manager select. */}}
{{- define "vllmSim.poolLabels" -}}
llm-d.ai/inferenceServing: "true"
{{- with .Values.role }}
llm-d.ai/role: {{ . }}
{{- end }}
{{- end -}}
