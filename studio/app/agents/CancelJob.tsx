import { Form } from 'react-router';

/** Posts `intent=cancel` with the job's id to the page's own action (run agents, branch). */
export function CancelJob({ jobId }: { jobId: string }) {
  return (
    <Form method="post" className="button-row">
      <input type="hidden" name="intent" value="cancel" />
      <input type="hidden" name="jobId" value={jobId} />
      <button type="submit" className="secondary-button">
        Cancel
      </button>
    </Form>
  );
}
