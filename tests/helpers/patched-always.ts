// Workflow code as if written without patched(): every new code path runs, whatever the history says.
export * from '@temporalio/workflow';
export function patched(_patchId: string): boolean {
  return true;
}
