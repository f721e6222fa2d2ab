import type { z } from 'zod';
import { contentTypeFor, type Dataset, type DatasetVersion } from '@qatron/domain';
import { iso, isoOrNull } from '../http/pagination.js';
import type { DatasetOut, DatasetVersionOut, ValidationReportOut } from './schema.js';

/** The stored file's name: the last segment of its store key. */
export function versionFileName(version: DatasetVersion): string {
  return version.storagePath.slice(version.storagePath.lastIndexOf('/') + 1);
}

export function datasetVersionOut(version: DatasetVersion): z.output<typeof DatasetVersionOut> {
  const fileName = versionFileName(version);
  return {
    id: version.id,
    dataset_id: version.dataset,
    version: version.version,
    file_name: fileName,
    content_type: contentTypeFor(fileName),
    checksum: version.checksum,
    size_bytes: version.sizeBytes,
    uploaded_by: version.uploadedByName,
    validation_status: version.validationStatus,
    validated_at: isoOrNull(version.validatedAt),
    validation_report: version.validationReport as z.output<typeof ValidationReportOut> | null,
    created_at: iso(version.createdAt),
    download_url: `/api/v1/datasets/${version.dataset}/versions/${encodeURIComponent(version.version)}/content`,
  };
}

export function datasetOut(dataset: Dataset, latest: DatasetVersion | null): z.output<typeof DatasetOut> {
  return {
    id: dataset.id,
    name: dataset.name,
    description: dataset.description,
    project_id: dataset.project,
    created_at: iso(dataset.createdAt),
    updated_at: iso(dataset.updatedAt),
    latest_version: latest ? datasetVersionOut(latest) : null,
  };
}
