{{/* The release's full name, at most 63 characters (a label value's limit). */}}
{{- define "mooring.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "mooring.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "mooring.labels" -}}
{{ include "mooring.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "mooring.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "mooring.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The operator's mode: sharded needs more than one replica, else leader election. */}}
{{- define "mooring.sharded" -}}
{{- if and .Values.sharding.enabled (gt (int .Values.replicaCount) 1) -}}true{{- end -}}
{{- end -}}

{{/* The namespaces to watch, comma-separated: watchNamespaces, plus the older operator.watchNamespace. Empty: all. */}}
{{- define "mooring.watchNamespaces" -}}
{{- $one := list }}
{{- with .Values.operator.watchNamespace }}{{ $one = list . }}{{ end }}
{{- join "," (concat (.Values.watchNamespaces | default list) $one | uniq) -}}
{{- end -}}

{{/* Where credentials Secrets may live, comma-separated: credentialsNamespaces, else the release namespace. */}}
{{- define "mooring.credentialsNamespaces" -}}
{{- join "," (.Values.credentialsNamespaces | default (list .Release.Namespace)) -}}
{{- end -}}
