export * from './register-builtin-plugins';
export * from './default-config';
export * from './filter/serves-model/serves-model.filter';
export * from './scorer/queue-depth/queue-depth.scorer';
export * from './picker/max-score/max-score.picker';
export * from './profile/single/single.profile-handler';
