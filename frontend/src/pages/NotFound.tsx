import { Link } from "react-router";
import { Empty } from "../components/ui";

export function NotFound() {
  return (
    <Empty title="This page does not exist.">
      <Link className="text-blue-800 underline" to="/">
        Back to your listings
      </Link>
    </Empty>
  );
}
