/** `failWritesAfter`: lets N more writes succeed, then fails every write, to simulate a permanent failure mid-sync. */
import { BatchError, batchErrors } from './errors';

export class WriteGate {
	private remaining: number | undefined;

	private status = 400;

	failAfter(successes: number | undefined, status = 400): void {
		this.remaining = successes;
		this.status = status;
	}

	/** The error to answer instead of performing a write, if the budget is spent. */
	rejection(): BatchError | undefined {
		if (this.remaining === undefined || this.remaining > 0) return undefined;
		const message = 'Write rejected: this sandbox was told to fail every write from now on';
		if (this.status >= 500) return batchErrors.serverError(this.status, message);
		if (this.status === 401) return batchErrors.authenticationInvalid(message);
		if (this.status === 404) return batchErrors.routeNotFound(message);
		return new BatchError(this.status, 'API_MISUSE', 12, message);
	}

	succeeded(): void {
		if (this.remaining !== undefined && this.remaining > 0) this.remaining--;
	}

	reset(): void {
		this.remaining = undefined;
		this.status = 400;
	}
}
