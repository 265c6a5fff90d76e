import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen } from "@testing-library/react";
import { Badge, ErrorBanner } from "../../src/components/ui";
import { ApiError } from "../../src/api/client";

afterEach(cleanup);

describe("ui", () => {
  it("colours job badges by status", () => {
    render(<Badge status="posting" />);
    const b = screen.getByText("posting");
    expect(b.className).toMatch(/blue/);
    expect(b.getAttribute("data-status")).toBe("posting");
  });
  it("shows the api's problem detail in an alert", () => {
    render(<ErrorBanner error={new ApiError(422, "price: must be greater than 0", "price")} title="Not saved." />);
    expect(screen.getByRole("alert").textContent).toBe("Not saved.price: must be greater than 0");
  });
});
