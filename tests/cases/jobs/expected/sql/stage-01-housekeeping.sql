create extension if not exists pg_cron with schema pg_catalog;

create table public.request_logs (
  id bigint generated always as identity primary key,
  path text not null,
  created_at timestamptz default now() not null
);

comment on table public.request_logs is 'One row per API request, written by the service role and kept thirty days.';
comment on column public.request_logs.path is 'The request path.';
comment on column public.request_logs.created_at is 'When the request came in.';

-- RLS
alter table public.request_logs enable row level security;

-- Indexes
create index request_logs_created_at_idx on public.request_logs(created_at);

select cron.schedule('purge-request-logs', '15 3 * * *', $$delete from public.request_logs where created_at < now() - interval '30 days'$$);

select cron.schedule('vacuum-request-logs', '0 4 * * 0', $$vacuum analyze public.request_logs$$);
select cron.alter_job(job_id := (select jobid from cron.job where jobname = 'vacuum-request-logs' and username = current_user), active := false);
