{{/*
Shared names, labels and the image reference (the Testkube `_helpers.tpl` habit, STYLE.md): every
template takes its names and labels from here, so a rename happens in one place.
*/}}

{{/* Chart name, overridable by nameOverride. */}}
{{- define "qatron.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Full name of the release's objects: <release>-<chart>, or the release name alone when it already
contains the chart name. 63 characters at most (DNS label).
*/}}
{{- define "qatron.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* chart-version label value. */}}
{{- define "qatron.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "qatron.labels" -}}
helm.sh/chart: {{ include "qatron.chart" . }}
{{ include "qatron.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: qatron
{{- end -}}

{{/* Labels that select the release's pods; templates add app.kubernetes.io/component. */}}
{{- define "qatron.selectorLabels" -}}
app.kubernetes.io/name: {{ include "qatron.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/*
Image reference: repository:tag, the tag defaulting to the chart's appVersion.
Usage: include "qatron.image" (dict "image" .Values.image "context" $)
*/}}
{{- define "qatron.image" -}}
{{- $tag := .image.tag | default .context.Chart.AppVersion -}}
{{- printf "%s:%s" .image.repository (toString $tag) -}}
{{- end -}}

{{/* Service account of the api and worker pods. */}}
{{- define "qatron.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "qatron.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Name of the ConfigMap holding the non-secret configuration. */}}
{{- define "qatron.configMapName" -}}
{{- printf "%s-config" (include "qatron.fullname" .) -}}
{{- end -}}

{{/* Name of the api Service (the Board's nginx and the Ingress route to it). */}}
{{- define "qatron.apiServiceName" -}}
{{- printf "%s-api" (include "qatron.fullname" .) -}}
{{- end -}}

{{/*
Environment variables that come from Secrets, shared by the api and the worker: the database URL
and the S3 keys. Values are never rendered, only references (FR-SEC-01).
*/}}
{{- define "qatron.secretEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "externalDatabase.existingSecret: name the Secret that holds DATABASE_URL" .Values.externalDatabase.existingSecret }}
      key: {{ .Values.externalDatabase.urlKey }}
{{- if .Values.s3.existingSecret }}
- name: S3_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ .Values.s3.existingSecret }}
      key: {{ .Values.s3.accessKeyIdKey }}
- name: S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.s3.existingSecret }}
      key: {{ .Values.s3.secretAccessKeyKey }}
{{- end }}
{{- end -}}

{{/* Volumes for the read-only root filesystem: /tmp (tsx's compile cache) and QATRON_HOME. */}}
{{- define "qatron.writableVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: qatron-home
  mountPath: /var/lib/qatron
{{- end -}}

{{/* Name of the Selenium Grid hub's Deployment and Service (the nodes' event bus host). */}}
{{- define "qatron.seleniumHubName" -}}
{{- printf "%s-selenium-hub" (include "qatron.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The Grid workers register: the chart's hub Service when seleniumGrid.enabled, else
seleniumGrid.externalUrl (empty: no Grid). Both at once is a mistake the install refuses.
*/}}
{{- define "qatron.gridUrl" -}}
{{- if .Values.seleniumGrid.enabled -}}
{{- if .Values.seleniumGrid.externalUrl -}}
{{- fail "seleniumGrid.externalUrl points workers at another Grid: set seleniumGrid.enabled=false with it" -}}
{{- end -}}
{{- printf "http://%s.%s.svc.%s:4444" (include "qatron.seleniumHubName" .) .Release.Namespace .Values.clusterDomain -}}
{{- else -}}
{{- .Values.seleniumGrid.externalUrl -}}
{{- end -}}
{{- end -}}

{{/* The Grid's name in QAtron's infrastructure view: seleniumGrid.name, else <release>-grid. */}}
{{- define "qatron.gridName" -}}
{{- .Values.seleniumGrid.name | default (printf "%s-grid" .Release.Name) -}}
{{- end -}}

{{/* Worker variables naming the Grid to register (domain/src/config.ts); nothing without a Grid. */}}
{{- define "qatron.gridEnv" -}}
{{- with include "qatron.gridUrl" . }}
- name: QATRON_GRID_URL
  value: {{ . | quote }}
- name: QATRON_GRID_NAME
  value: {{ include "qatron.gridName" $ | quote }}
{{- end }}
{{- end -}}
