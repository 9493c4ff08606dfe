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

{{/* The port the Service, probes and NetworkPolicy use is the service's own config key. */}}
{{- define "llmd.opsPort" -}}
{{- required "config.ops.port is required" (dig "ops" "port" nil .Values.config) -}}
{{- end -}}

{{/*
The operator's rules. Server-side apply creates or patches (create, patch); pruning and the
finalizer's foreground deletion delete; the informers list and watch what the operator caches.
Owner references that block deletion need update on the owner's finalizers subresource where the
OwnerReferencesPermissionEnforcement admission plugin runs.
*/}}
{{- define "llmd.operatorRules" -}}
- apiGroups: [llm-d.io]
  resources: [llmdeployments, inferencegateways, schedulingpolicies, cachepolicies]
  verbs: [get, list, watch, patch, update]
- apiGroups: [llm-d.io]
  resources: [servingpools]
  verbs: [get, list, watch, create, patch, update, delete]
- apiGroups: [llm-d.io]
  resources: [llmdeployments/status, servingpools/status, inferencegateways/status, schedulingpolicies/status, cachepolicies/status]
  verbs: [get, patch, update]
- apiGroups: [llm-d.io]
  resources: [llmdeployments/finalizers, servingpools/finalizers, inferencegateways/finalizers]
  verbs: [update]
- apiGroups: [llm-d.io]
  resources: [servingpools/scale]
  verbs: [get, patch, update]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, patch, update, delete]
- apiGroups: [""]
  resources: [services, configmaps]
  verbs: [get, list, watch, create, patch, update, delete]
- apiGroups: [""]
  resources: [serviceaccounts]
  verbs: [get, create, patch, update, delete]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles, rolebindings]
  verbs: [get, create, patch, update, delete]
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch]
- apiGroups: [inference.networking.k8s.io]
  resources: [inferencepools]
  verbs: [get, list, watch, create, patch, update, delete]
{{- end -}}
